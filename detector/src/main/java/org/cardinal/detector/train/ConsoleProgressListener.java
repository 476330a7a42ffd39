package org.cardinal.detector.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * A one-line progress bar on a terminal: iteration, bar, losses, learning rate, images/s and
 * ETA, redrawn in place with a carriage return; evaluations and checkpoints print on their own
 * line. Without a terminal (redirected output) it prints a plain line every {@code period}
 * iterations instead.
 */
public final class ConsoleProgressListener implements TrainingListener {

    private final PrintStream out;
    private final boolean interactive;
    private final int period;
    private final String label;

    /**
     * @param out where to print
     * @param interactive redraw in place (true on a terminal)
     * @param period print every this many iterations when not interactive
     */
    public ConsoleProgressListener(PrintStream out, boolean interactive, int period) {
        this(out, interactive, period, "");
    }

    private ConsoleProgressListener(PrintStream out, boolean interactive, int period, String label) {
        this.out = out;
        this.interactive = interactive;
        this.period = Math.max(1, period);
        this.label = label;
    }

    /**
     * @param prefix put before every progress and evaluation line, e.g. the run's name when several
     *     runs print to one console (use it with {@code interactive} false)
     * @return a listener like this one with that prefix
     */
    public ConsoleProgressListener withLabel(String prefix) {
        return new ConsoleProgressListener(out, interactive, period, prefix + " ");
    }

    /** Progress on stdout, interactive when the JVM has a console. */
    public static ConsoleProgressListener stdout(int period) {
        return new ConsoleProgressListener(System.out, System.console() != null, period);
    }

    @Override
    public void onStart(RunConfig config, int startIteration, int maxIteration) {
        out.printf(Locale.ROOT, "%s: training iterations %d..%d%n", config.name(), startIteration + 1, maxIteration);
    }

    @Override
    public void onIteration(IterationMetrics m) {
        boolean last = m.iteration() == m.maxIteration();
        if (!interactive && m.iteration() % period != 0 && !last) {
            return;
        }
        String line = label + format(m);
        if (interactive) {
            out.print("\r" + line + "\u001b[K");
            if (last) {
                out.println();
            }
        } else {
            out.println(line);
        }
        out.flush();
    }

    @Override
    public void onEvaluation(EvalResult r) {
        if (interactive) {
            out.println();
        }
        out.printf(
                Locale.ROOT,
                "%seval @%d: AP %.4f  AP50 %.4f  AP75 %.4f  (%d images, %.1f s)%n",
                label,
                r.iteration(),
                r.ap(),
                r.ap50(),
                r.ap75(),
                r.numImages(),
                r.seconds());
    }

    /** The progress line of one iteration (no trailing newline). */
    public static String format(IterationMetrics m) {
        int width = 20;
        int filled = (int) Math.round(width * (double) m.iteration() / m.maxIteration());
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%7d/%d [", m.iteration(), m.maxIteration()));
        for (int i = 0; i < width; i++) {
            sb.append(i < filled ? '=' : (i == filled ? '>' : ' '));
        }
        sb.append(String.format(Locale.ROOT, "] loss %.4f", m.totalLoss()));
        for (Map.Entry<String, Double> e : m.losses().entrySet()) {
            String k = e.getKey().startsWith("loss_") ? e.getKey().substring(5) : e.getKey();
            sb.append(String.format(Locale.ROOT, " %s %.3f", k, e.getValue()));
        }
        sb.append(String.format(
                Locale.ROOT, " lr %.2e %.1f img/s ETA %s", m.lr(), m.imagesPerSecond(), duration(m.etaSeconds())));
        if (m.deviceSeconds().length > 1) {
            // per-device forward+backward seconds: unequal numbers mean a device waits for another
            sb.append(" devices");
            for (double d : m.deviceSeconds()) {
                sb.append(String.format(Locale.ROOT, " %.2fs", d));
            }
        }
        return sb.toString();
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "--:--";
        }
        long s = Math.round(seconds);
        long h = s / 3600;
        long m = (s % 3600) / 60;
        s = s % 60;
        return h > 0
                ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s)
                : String.format(Locale.ROOT, "%02d:%02d", m, s);
    }
}
