package org.cardinal.detector.train;

import java.nio.file.Path;
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
 * @param stoppedBy what stopped the run before {@code max_iter} ({@link
 *     org.cardinal.core.train.StopRequest#reason()}), or null when it ran to the end
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
}
