package org.cardinal.detector.train;

import java.nio.file.Path;

/**
 * The outcome of {@link DetectorTrainer#train}.
 *
 * @param iterations iterations done in total (including those before a resume)
 * @param iterationsThisRun iterations done by this call
 * @param seconds wall time of this call
 * @param imagesPerSecond training images per second of this call (evaluation excluded)
 * @param finalEval the evaluation at the end, or null when there is no val split
 * @param lastCheckpoint the checkpoint written at the end
 */
public record TrainingSummary(
        int iterations,
        int iterationsThisRun,
        double seconds,
        double imagesPerSecond,
        EvalResult finalEval,
        Path lastCheckpoint) {}
