package org.cardinal.core.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.cardinal.core.io.AtomicFiles;

/**
 * A small line chart drawn with Java2D, for training curves (loss, accuracy, learning rate, AP)
 * in run folders and reports; no dependency beyond the JDK.
 *
 * <p>The chart is rendered on its own ({@link #render()}, {@link #toPng()}, {@link #write(Path)})
 * or into a rectangle of a larger picture ({@link #draw}), e.g. two charts side by side.
 * Several series share the axes (so that curves of two backbones overlay); points are
 * (x, y) pairs in data units, x usually the iteration. Non-finite y values break the line.
 * A logarithmic y axis is available for losses that span decades.
 */
public final class LineChart {

    /**
     * One named curve; {@code x} and {@code y} have the same length.
     *
     * @param colour palette index, or -1 for the series' position in the chart
     * @param dashed draw a dashed line (e.g. the second metric of the same run)
     */
    public record Series(String name, double[] x, double[] y, int colour, boolean dashed) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException(
                        "series " + name + ": " + x.length + " x values but " + y.length + " y values");
            }
        }

        /** A solid curve coloured by its position in the chart. */
        public Series(String name, double[] x, double[] y) {
            this(name, x, y, -1, false);
        }
    }

    /** Colour-blind-safe palette (Okabe-Ito), cycled over the series; shared with {@link IntervalChart}. */
    static final Color[] PALETTE = {
        new Color(0, 114, 178), new Color(213, 94, 0), new Color(0, 158, 115), new Color(204, 121, 167),
        new Color(230, 159, 0), new Color(86, 180, 233), new Color(0, 0, 0), new Color(240, 228, 66)
    };

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private boolean logY;
    private int width = 820;
    private int height = 420;

    /** An empty chart with a title and axis labels. */
    public LineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** Adds a curve; returns this chart. */
    public LineChart add(Series s) {
        series.add(s);
        return this;
    }

    /** Adds a solid curve coloured by its position; returns this chart. */
    public LineChart add(String name, double[] x, double[] y) {
        return add(new Series(name, x.clone(), y.clone()));
    }

    /** Adds a curve from lists; returns this chart. */
    public LineChart add(String name, List<? extends Number> x, List<? extends Number> y) {
        return add(new Series(
                name,
                x.stream().mapToDouble(Number::doubleValue).toArray(),
                y.stream().mapToDouble(Number::doubleValue).toArray()));
    }

    /** Uses a base-10 logarithmic y axis (non-positive values are skipped). */
    public LineChart logY(boolean on) {
        this.logY = on;
        return this;
    }

    /** Sets the picture size in pixels. */
    public LineChart size(int w, int h) {
        this.width = w;
        this.height = h;
        return this;
    }

    /** The curves, in the order they were added. */
    public List<Series> series() {
        return List.copyOf(series);
    }

    /** Draws the chart at its {@link #size}. */
    public BufferedImage render() {
        return ChartCanvas.render(this::draw, width, height);
    }

    /**
     * Draws the chart into the rectangle {@code (originX, originY, width, height)} of {@code target}, in
     * pixels; nothing is drawn outside it.
     */
    public void draw(Graphics2D target, int originX, int originY, int width, int height) {
        Graphics2D g = ChartCanvas.open(target, originX, originY, width, height);
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        g.setFont(font);
        FontMetrics fm = g.getFontMetrics();

        int lw = 0;
        for (Series s : series) {
            lw = Math.max(lw, fm.stringWidth(s.name()));
        }
        int left = 70;
        // the legend sits right of the plot so it never hides a curve
        int right = width - 20 - (series.isEmpty() ? 0 : lw + 40);
        int top = 36;
        int bottom = height - 48;

        g.setColor(Color.BLACK);
        g.setFont(font.deriveFont(Font.BOLD, 14f));
        g.drawString(title, left, 22);
        g.setFont(font);

        double[] range = dataRange();
        if (range == null) {
            g.setColor(Color.GRAY);
            g.drawString("no data", (left + right) / 2 - 20, (top + bottom) / 2);
            g.dispose();
            return;
        }
        double x0 = range[0];
        double x1 = range[1];
        double y0 = range[2];
        double y1 = range[3];
        if (!logY) {
            double[] yt = Ticks.nice(y0, y1, 6);
            y0 = yt[0];
            y1 = yt[1];
        } else {
            y0 = Math.floor(y0);
            y1 = Math.ceil(y1);
            if (y1 <= y0) {
                y1 = y0 + 1;
            }
        }
        double[] xt = Ticks.nice(x0, x1, 8);
        x0 = xt[0];
        x1 = xt[1];
        final double fx0 = x0;
        final double fx1 = x1;
        final double fy0 = y0;
        final double fy1 = y1;
        java.util.function.DoubleUnaryOperator px = v -> left + (v - fx0) / (fx1 - fx0) * (right - left);
        java.util.function.DoubleUnaryOperator py = v -> bottom - (v - fy0) / (fy1 - fy0) * (bottom - top);

        // grid and tick labels
        g.setStroke(new BasicStroke(1f));
        for (double t = xt[0]; t <= xt[1] + xt[2] / 2; t += xt[2]) {
            int x = (int) Math.round(px.applyAsDouble(t));
            g.setColor(new Color(230, 230, 230));
            g.drawLine(x, top, x, bottom);
            g.setColor(Color.DARK_GRAY);
            String s = Ticks.format(t, xt[2]);
            g.drawString(s, x - fm.stringWidth(s) / 2, bottom + 16);
        }
        if (logY) {
            for (double t = y0; t <= y1 + 1e-9; t += 1) {
                int y = (int) Math.round(py.applyAsDouble(t));
                g.setColor(new Color(230, 230, 230));
                g.drawLine(left, y, right, y);
                g.setColor(Color.DARK_GRAY);
                String s = Ticks.format(Math.pow(10, t), Math.pow(10, t));
                g.drawString(s, left - 6 - fm.stringWidth(s), y + 4);
            }
        } else {
            double[] yt = Ticks.nice(range[2], range[3], 6);
            for (double t = yt[0]; t <= yt[1] + yt[2] / 2; t += yt[2]) {
                int y = (int) Math.round(py.applyAsDouble(t));
                g.setColor(new Color(230, 230, 230));
                g.drawLine(left, y, right, y);
                g.setColor(Color.DARK_GRAY);
                String s = Ticks.format(t, yt[2]);
                g.drawString(s, left - 6 - fm.stringWidth(s), y + 4);
            }
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, right - left, bottom - top);
        g.drawString(xLabel, (left + right) / 2 - fm.stringWidth(xLabel) / 2, height - 14);
        Graphics2D gy = (Graphics2D) g.create();
        gy.rotate(-Math.PI / 2);
        gy.drawString(yLabel + (logY ? " (log)" : ""), -(top + bottom) / 2 - fm.stringWidth(yLabel) / 2, 16);
        gy.dispose();

        // curves, clipped to the plot area
        Graphics2D gc = (Graphics2D) g.create();
        gc.clipRect(left, top, right - left + 1, bottom - top + 1);
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            gc.setColor(colour(i));
            gc.setStroke(stroke(s));
            Path2D.Double path = new Path2D.Double();
            boolean pen = false;
            int drawn = 0;
            for (int k = 0; k < s.x().length; k++) {
                double v = transform(s.y()[k]);
                if (!Double.isFinite(v) || !Double.isFinite(s.x()[k])) {
                    pen = false;
                    continue;
                }
                double x = px.applyAsDouble(s.x()[k]);
                double y = py.applyAsDouble(v);
                if (pen) {
                    path.lineTo(x, y);
                } else {
                    path.moveTo(x, y);
                    pen = true;
                }
                drawn++;
            }
            gc.draw(path);
            if (drawn <= 12) {
                // few points (evaluations): mark them so single points are visible
                for (int k = 0; k < s.x().length; k++) {
                    double v = transform(s.y()[k]);
                    if (Double.isFinite(v)) {
                        int x = (int) Math.round(px.applyAsDouble(s.x()[k]));
                        int y = (int) Math.round(py.applyAsDouble(v));
                        gc.fillOval(x - 3, y - 3, 7, 7);
                    }
                }
            }
        }
        gc.dispose();

        // legend, right of the plot
        int lx = right + 12;
        int ly = top;
        for (int i = 0; i < series.size(); i++) {
            g.setColor(colour(i));
            g.setStroke(
                    series.get(i).dashed()
                            ? new BasicStroke(
                                    3f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {5f, 3f}, 0f)
                            : new BasicStroke(3f));
            g.drawLine(lx, ly + 8 + i * 16, lx + 22, ly + 8 + i * 16);
            g.setColor(Color.BLACK);
            g.drawString(series.get(i).name(), lx + 28, ly + 12 + i * 16);
        }
        g.dispose();
    }

    /** Renders and encodes as PNG bytes. */
    public byte[] toPng() {
        return ChartCanvas.png(render());
    }

    /** Writes the PNG atomically (temporary file in the same folder, then a rename). */
    public void write(Path file) throws IOException {
        AtomicFiles.write(file, toPng());
    }

    private Color colour(int i) {
        int c = series.get(i).colour();
        return PALETTE[(c >= 0 ? c : i) % PALETTE.length];
    }

    private static BasicStroke stroke(Series s) {
        return s.dashed()
                ? new BasicStroke(1.8f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {7f, 4f}, 0f)
                : new BasicStroke(1.8f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    }

    private double transform(double y) {
        if (!logY) {
            return y;
        }
        return y > 0 ? Math.log10(y) : Double.NaN;
    }

    /** {xmin, xmax, ymin, ymax} over finite points (y transformed), or null when there are none. */
    private double[] dataRange() {
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int k = 0; k < s.x().length; k++) {
                double v = transform(s.y()[k]);
                if (Double.isFinite(v) && Double.isFinite(s.x()[k])) {
                    x0 = Math.min(x0, s.x()[k]);
                    x1 = Math.max(x1, s.x()[k]);
                    y0 = Math.min(y0, v);
                    y1 = Math.max(y1, v);
                }
            }
        }
        if (x0 == Double.POSITIVE_INFINITY) {
            return null;
        }
        if (x1 == x0) {
            x1 = x0 + 1;
        }
        if (y1 == y0) {
            y0 -= 0.5;
            y1 += 0.5;
        }
        return new double[] {x0, x1, y0, y1};
    }

    /** "Nice" axis ticks: steps of 1, 2 or 5 times a power of ten. */
    static final class Ticks {
        private Ticks() {}

        /** {first tick <= lo, last tick >= hi, step}. */
        static double[] nice(double lo, double hi, int maxTicks) {
            double span = hi - lo;
            double raw = span / Math.max(1, maxTicks - 1);
            double mag = Math.pow(10, Math.floor(Math.log10(raw)));
            double step = mag;
            for (double m : new double[] {1, 2, 5, 10}) {
                if (m * mag >= raw) {
                    step = m * mag;
                    break;
                }
            }
            return new double[] {Math.floor(lo / step) * step, Math.ceil(hi / step) * step, step};
        }

        static String format(double v, double step) {
            if (Math.abs(v) < 1e-12) {
                return "0";
            }
            double a = Math.abs(step);
            if (a >= 1 && Math.abs(v) < 1e7) {
                return String.format(Locale.ROOT, "%.0f", v);
            }
            if (a >= 0.01 || Math.abs(v) >= 0.01) {
                int digits = (int) Math.max(0, Math.ceil(-Math.log10(a)));
                return String.format(Locale.ROOT, "%." + Math.min(digits, 4) + "f", v);
            }
            return String.format(Locale.ROOT, "%.0e", v);
        }
    }
}
