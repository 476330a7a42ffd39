package org.cardinal.detector.train;

import java.nio.file.Path;

/**
 * Callbacks from {@link DetectorTrainer} on the training thread, for progress bars, plots and
 * logs. Every method has an empty default; a listener that throws stops the run.
 */
public interface TrainingListener {

    /**
     * Training starts (or resumes).
     *
     * @param config the resolved run config
     * @param startIteration iterations already done (0, or the resumed checkpoint's)
     * @param maxIteration iterations the run ends at
     */
    default void onStart(RunConfig config, int startIteration, int maxIteration) {}

    /** One iteration finished. */
    default void onIteration(IterationMetrics metrics) {}

    /** An evaluation on the val set finished. */
    default void onEvaluation(EvalResult result) {}

    /** A checkpoint was written completely. */
    default void onCheckpoint(int iteration, Path checkpointDir) {}

    /** Training ended normally. */
    default void onEnd(TrainingSummary summary) {}
}
