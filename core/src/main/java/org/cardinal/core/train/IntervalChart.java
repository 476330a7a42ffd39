package org.cardinal.core.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.DoubleUnaryOperator;
import org.cardinal.core.io.AtomicFiles;

/**
 * A small chart of estimates with their intervals, drawn with Java2D: a point per (category,
 * series) with a vertical error bar from its lower to its upper bound, categories side by side
 * along the x axis, and a dashed horizontal line at 0 so that one sees at a
 * glance which intervals exclude it. For confidence intervals of differences, e.g. a paired
 * difference of AP, AP50, AP75 between two backbones.
 *
 * <p>An estimate without an interval (non-finite bounds, e.g. from a single sample) is drawn as
 * a hollow point with no bar. Series are coloured like {@link LineChart}'s, in the order they first
 * appear; categories keep the order of their first estimate. Each point is labelled with its value.
 */
public final class IntervalChart {

    /**
     * One estimate.
     *
     * @param series what is estimated (a legend entry, one colour)
     * @param category where on the x axis (e.g. a metric's name)
     * @param value the point estimate
     * @param low the interval's lower bound (NaN: no interval)
     * @param high the interval's upper bound (NaN: no interval)
     */
    public record Estimate(String series, String category, double value, double low, double high) {

        /** @return whether the estimate has an interval to draw */
        public boolean hasInterval() {
            return Double.isFinite(low) && Double.isFinite(high);
        }
    }

    private final String title;
    private final String yLabel;
    private final List<Estimate> estimates = new ArrayList<>();
    private int width = 820;
    private int height = 420;

    /**
     * @param title drawn above the plot
     * @param yLabel the quantity on the y axis, with its unit
     */
    public IntervalChart(String title, String yLabel) {
        this.title = title;
        this.yLabel = yLabel;
    }

    /**
     * Adds an estimate.
     *
     * @return this chart
     * @throws IllegalArgumentException when the value is not finite or the bounds do not enclose it
     */
    public IntervalChart add(String series, String category, double value, double low, double high) {
        Estimate e = new Estimate(series, category, value, low, high);
        if (!Double.isFinite(value) || (e.hasInterval() && !(low <= value && value <= high))) {
            throw new IllegalArgumentException("estimate " + series + "/" + category + ": expected low <= value <= "
                    + "high with a finite value, found " + low + " <= " + value + " <= " + high);
        }
        estimates.add(e);
        return this;
    }

    /** Sets the picture size in pixels; returns this chart. */
    public IntervalChart size(int w, int h) {
        width = w;
        height = h;
        return this;
    }

    /** @return the estimates in the order they were added */
    public List<Estimate> estimates() {
        return List.copyOf(estimates);
    }

    /** Draws the chart at its {@link #size}. */
    public BufferedImage render() {
        return ChartCanvas.render(this::draw, width, height);
    }

    /** Draws the chart into the rectangle {@code (originX, originY, w, h)} of {@code target}; nothing outside it. */
    public void draw(Graphics2D target, int originX, int originY, int w, int h) {
        Graphics2D g = ChartCanvas.open(target, originX, originY, w, h);
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        FontMetrics fm = g.getFontMetrics(font);
        List<String> series = new ArrayList<>(distinct(true));
        List<String> categories = new ArrayList<>(distinct(false));
        int legend = 0;
        for (String s : series) {
            legend = Math.max(legend, fm.stringWidth(s));
        }
        int left = 70;
        int right = w - 20 - (series.isEmpty() ? 0 : legend + 40);
        int top = 36;
        int bottom = h - 40;
        g.setColor(Color.BLACK);
        g.setFont(font.deriveFont(Font.BOLD, 14f));
        g.drawString(title, left, 22);
        g.setFont(font);
        if (estimates.isEmpty()) {
            g.setColor(Color.GRAY);
            g.drawString("no data", (left + right) / 2 - 20, (top + bottom) / 2);
            g.dispose();
            return;
        }
        double lo = 0;
        double hi = 0;
        for (Estimate e : estimates) {
            lo = Math.min(lo, e.hasInterval() ? e.low() : e.value());
            hi = Math.max(hi, e.hasInterval() ? e.high() : e.value());
        }
        if (hi - lo < 1e-12) {
            lo -= 0.5;
            hi += 0.5;
        }
        // room above the highest bar for its label
        double[] ticks = LineChart.Ticks.nice(lo, hi + (hi - lo) * 0.08, 6);
        double y0 = ticks[0];
        double y1 = ticks[1];
        DoubleUnaryOperator py = v -> bottom - (v - y0) / (y1 - y0) * (bottom - top);

        for (double t = ticks[0]; t <= ticks[1] + ticks[2] / 2; t += ticks[2]) {
            int y = (int) Math.round(py.applyAsDouble(t));
            g.setColor(new Color(230, 230, 230));
            g.drawLine(left, y, right, y);
            g.setColor(Color.DARK_GRAY);
            String s = LineChart.Ticks.format(t, ticks[2]);
            g.drawString(s, left - 6 - fm.stringWidth(s), y + 4);
        }
        int ry = (int) Math.round(py.applyAsDouble(0));
        g.setColor(Color.DARK_GRAY);
        g.setStroke(new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 4f}, 0f));
        g.drawLine(left, ry, right, ry);
        g.setStroke(new BasicStroke(1f));
        g.setColor(Color.BLACK);
        g.drawRect(left, top, right - left, bottom - top);
        Graphics2D gy = (Graphics2D) g.create();
        gy.rotate(-Math.PI / 2);
        gy.drawString(yLabel, -(top + bottom) / 2 - fm.stringWidth(yLabel) / 2, 16);
        gy.dispose();

        double band = (right - left) / (double) categories.size();
        for (int c = 0; c < categories.size(); c++) {
            String name = categories.get(c);
            int cx = (int) Math.round(left + band * (c + 0.5));
            g.setColor(Color.BLACK);
            g.drawString(name, cx - fm.stringWidth(name) / 2, bottom + 16);
        }
        Graphics2D gc = (Graphics2D) g.create();
        gc.clipRect(left, top, right - left + 1, bottom - top + 1);
        for (Estimate e : estimates) {
            int c = categories.indexOf(e.category());
            int s = series.indexOf(e.series());
            // series side by side within their category's band
            double slot = band * 0.7 / series.size();
            int x = (int) Math.round(left + band * c + band * 0.15 + slot * (s + 0.5));
            int y = (int) Math.round(py.applyAsDouble(e.value()));
            gc.setColor(LineChart.PALETTE[s % LineChart.PALETTE.length]);
            gc.setStroke(new BasicStroke(2f));
            int labelY = y;
            if (e.hasInterval()) {
                int yl = (int) Math.round(py.applyAsDouble(e.low()));
                int yh = (int) Math.round(py.applyAsDouble(e.high()));
                gc.drawLine(x, yl, x, yh);
                gc.drawLine(x - 6, yl, x + 6, yl);
                gc.drawLine(x - 6, yh, x + 6, yh);
                gc.fillOval(x - 4, y - 4, 9, 9);
                labelY = yh;
            } else {
                gc.drawOval(x - 4, y - 4, 9, 9);
            }
            double rounded = Math.round(e.value() * 100) / 100.0;
            // a value that rounds to zero reads "+0.00", not "-0.00"
            String label = String.format(Locale.ROOT, "%+.2f", rounded == 0 ? 0.0 : rounded);
            gc.setColor(Color.BLACK);
            gc.drawString(label, x - fm.stringWidth(label) / 2, labelY - 7);
        }
        gc.dispose();

        int lx = right + 12;
        for (int i = 0; i < series.size(); i++) {
            g.setColor(LineChart.PALETTE[i % LineChart.PALETTE.length]);
            g.fillOval(lx + 7, top + 4 + i * 16, 9, 9);
            g.setColor(Color.BLACK);
            g.drawString(series.get(i), lx + 28, top + 12 + i * 16);
        }
        g.dispose();
    }

    /** Renders and encodes as PNG bytes. */
    public byte[] toPng() {
        return ChartCanvas.png(render());
    }

    /** Writes the PNG atomically. */
    public void write(Path file) throws IOException {
        AtomicFiles.write(file, toPng());
    }

    private Set<String> distinct(boolean series) {
        Set<String> out = new LinkedHashSet<>();
        for (Estimate e : estimates) {
            out.add(series ? e.series() : e.category());
        }
        return out;
    }
}
