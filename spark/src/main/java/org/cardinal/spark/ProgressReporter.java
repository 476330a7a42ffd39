package org.cardinal.spark;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Prints a job's progress on the console at a fixed interval while it runs: images done of the
 * total, images per second since the job started (model loading included) and the time left at
 * that rate. Spark's UI shows the same job by stage and task on a cluster.
 */
final class ProgressReporter implements AutoCloseable {

    private final Thread thread;
    private volatile boolean running = true;

    /**
     * Starts reporting.
     *
     * @param done images done so far (a Spark accumulator, updated as tasks finish)
     */
    ProgressReporter(LongSupplier done, long total, PrintStream out, Duration every) {
        long start = System.nanoTime();
        thread = new Thread(
                () -> {
                    long last = -1;
                    while (running) {
                        try {
                            Thread.sleep(every.toMillis());
                        } catch (InterruptedException e) {
                            return;
                        }
                        long n = Math.min(done.getAsLong(), total);
                        if (running && n != last) {
                            out.println(line(n, total, (System.nanoTime() - start) / 1e9));
                            last = n;
                        }
                    }
                },
                "cardinal-progress");
        thread.setDaemon(true);
        thread.start();
    }

    /** "progress: 120/1000 images (12.0%), 8.4 images/s, ETA 1m45s". */
    static String line(long done, long total, double seconds) {
        double rate = seconds > 0 ? done / seconds : 0;
        String eta = rate > 0 ? duration((total - done) / rate) : "?";
        return String.format(
                Locale.ROOT,
                "progress: %d/%d images (%.1f%%), %.2f images/s, ETA %s",
                done,
                total,
                total == 0 ? 100.0 : 100.0 * done / total,
                rate,
                eta);
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        return s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
