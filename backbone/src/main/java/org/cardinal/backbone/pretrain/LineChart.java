package org.cardinal.backbone.pretrain;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal line chart drawn with Java2D: named series of (x, y) points, linear axes with round
 * tick values, a legend. Enough to show training curves without a plotting dependency (the
 * backbone module cannot use the detector's report package).
 */
public final class LineChart {
    private static final Color[] PALETTE = {
        new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
        new Color(214, 39, 40), new Color(148, 103, 189)
    };

    private record Series(String name, double[] x, double[] y) {}

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();

    /** A chart with the given title and axis labels. */
    public LineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** Adds a series; {@code x} and {@code y} must have the same length. Non-finite points are skipped. */
    public LineChart add(String name, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("series " + name + ": " + x.length + " x values, " + y.length + " y");
        }
        series.add(new Series(name, x.clone(), y.clone()));
        return this;
    }

    /** Draws the chart into the rectangle {@code (left, top, width, height)} of {@code g}. */
    public void draw(Graphics2D g, int left, int top, int width, int height) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(left, top, width, height);
        double xmin = Double.POSITIVE_INFINITY;
        double xmax = Double.NEGATIVE_INFINITY;
        double ymin = Double.POSITIVE_INFINITY;
        double ymax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (Double.isFinite(s.x[i]) && Double.isFinite(s.y[i])) {
                    xmin = Math.min(xmin, s.x[i]);
                    xmax = Math.max(xmax, s.x[i]);
                    ymin = Math.min(ymin, s.y[i]);
                    ymax = Math.max(ymax, s.y[i]);
                }
            }
        }
        if (!(xmin <= xmax)) {
            xmin = 0;
            xmax = 1;
            ymin = 0;
            ymax = 1;
        }
        if (xmax == xmin) {
            xmax = xmin + 1;
        }
        if (ymax == ymin) {
            ymax = ymin + 1;
        }
        double ypad = 0.05 * (ymax - ymin);
        ymin -= ypad;
        ymax += ypad;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        int pl = left + 60;
        int pr = left + width - 15;
        int pt = top + 30;
        int pb = top + height - 45;
        g.setColor(Color.BLACK);
        g.drawString(title, left + (width - fm.stringWidth(title)) / 2, top + 18);
        g.drawString(xLabel, (pl + pr - fm.stringWidth(xLabel)) / 2, top + height - 8);
        Graphics2D gy = (Graphics2D) g.create();
        gy.rotate(-Math.PI / 2, left + 14, (pt + pb) / 2.0);
        gy.drawString(yLabel, left + 14 - fm.stringWidth(yLabel) / 2, (pt + pb) / 2 + 4);
        gy.dispose();
        // Ticks and grid.
        for (double t : ticks(ymin, ymax)) {
            int py = (int) Math.round(pb - (t - ymin) / (ymax - ymin) * (pb - pt));
            g.setColor(new Color(230, 230, 230));
            g.drawLine(pl, py, pr, py);
            g.setColor(Color.DARK_GRAY);
            String label = format(t);
            g.drawString(label, pl - 5 - fm.stringWidth(label), py + 4);
        }
        for (double t : ticks(xmin, xmax)) {
            int px = (int) Math.round(pl + (t - xmin) / (xmax - xmin) * (pr - pl));
            g.setColor(new Color(230, 230, 230));
            g.drawLine(px, pt, px, pb);
            g.setColor(Color.DARK_GRAY);
            String label = format(t);
            g.drawString(label, px - fm.stringWidth(label) / 2, pb + 16);
        }
        g.setColor(Color.BLACK);
        g.drawRect(pl, pt, pr - pl, pb - pt);
        g.setStroke(new BasicStroke(2f));
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            g.setColor(PALETTE[k % PALETTE.length]);
            Path2D.Double path = new Path2D.Double();
            boolean started = false;
            for (int i = 0; i < s.x.length; i++) {
                if (!Double.isFinite(s.x[i]) || !Double.isFinite(s.y[i])) {
                    continue;
                }
                double px = pl + (s.x[i] - xmin) / (xmax - xmin) * (pr - pl);
                double py = pb - (s.y[i] - ymin) / (ymax - ymin) * (pb - pt);
                if (started) {
                    path.lineTo(px, py);
                } else {
                    path.moveTo(px, py);
                    started = true;
                }
                if (s.x.length <= 60) {
                    g.fillOval((int) px - 3, (int) py - 3, 6, 6);
                }
            }
            g.draw(path);
        }
        // Legend last, on a white box in the top-right corner, so no curve runs through its text.
        int legendW = 0;
        for (Series s : series) {
            legendW = Math.max(legendW, fm.stringWidth(s.name));
        }
        g.setStroke(new BasicStroke(1f));
        g.setColor(new Color(255, 255, 255, 235));
        g.fillRect(pr - legendW - 44, pt + 4, legendW + 40, 16 * series.size() + 6);
        g.setColor(Color.LIGHT_GRAY);
        g.drawRect(pr - legendW - 44, pt + 4, legendW + 40, 16 * series.size() + 6);
        g.setStroke(new BasicStroke(2f));
        int legendY = pt + 18;
        for (int k = 0; k < series.size(); k++) {
            g.setColor(PALETTE[k % PALETTE.length]);
            g.drawLine(pr - legendW - 38, legendY - 4, pr - legendW - 18, legendY - 4);
            g.setColor(Color.BLACK);
            g.drawString(series.get(k).name, pr - legendW - 10, legendY);
            legendY += 16;
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static List<Double> ticks(double lo, double hi) {
        double raw = (hi - lo) / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        List<Double> out = new ArrayList<>();
        for (double t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) {
            out.add(Math.abs(t) < 1e-12 * step ? 0.0 : t);
        }
        return out;
    }

    private static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e6) {
            return Long.toString((long) v);
        }
        return String.format("%.3g", v);
    }
}
