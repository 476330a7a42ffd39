package org.cardinal.detector.train;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of {@link DetectorTrainer#train}.
 *
 * @param iterations iterations done in total (including those before a resume)
 * @param iterationsThisRun iterations done by this call
 * @param seconds wall time of this call
 * @param imagesPerSecond training images per second of this call (evaluation excluded)
 * @param finalEval the evaluation at the end, or null when there is no val split
 * @param lastCheckpoint the checkpoint written at the end
 * @param stoppedBy what stopped the run before {@code max_iter} or during its final evaluation
 *     ({@link org.cardinal.core.train.StopRequest#reason()}), or null when it ran to the end
 * @param categories the training set's categories in label order (label 1 first): COCO category
 *     id to name
 */
public record TrainingSummary(
        int iterations,
        int iterationsThisRun,
        double seconds,
        double imagesPerSecond,
        EvalResult finalEval,
        Path lastCheckpoint,
        String stoppedBy,
        Map<Integer, String> categories) {

    /** @return whether the run stopped early on request (Ctrl-C, SIGTERM) */
    public boolean stopped() {
        return stoppedBy != null;
    }

    /**
     * What this call trained and, after a resume, what the whole run has: "trained 900 iterations
     * in 100.7 s (1.82 images/s)", or "resumed at iteration 858: trained 42 iterations (859 to
     * 900) in 100.7 s (1.82 images/s); the whole run: 900 iterations".
     *
     * @return one line for the console
     */
    public String describe() {
        String time = String.format(Locale.ROOT, "in %.1f s (%.2f images/s)", seconds, imagesPerSecond);
        int start = iterations - iterationsThisRun;
        if (start == 0) {
            return "trained " + iterations + " iterations " + time;
        }
        String thisCall = iterationsThisRun == 0
                ? "no iteration left to train"
                : String.format(
                        Locale.ROOT,
                        "trained %d iteration%s (%d to %d) %s",
                        iterationsThisRun,
                        iterationsThisRun == 1 ? "" : "s",
                        start + 1,
                        iterations,
                        time);
        return "resumed at iteration " + start + ": " + thisCall + "; the whole run: " + iterations + " iterations";
    }
}
