package org.cardinal.detector;

/**
 * Told when a stage of the production code path starts and ends: {@link FasterRcnn}'s
 * "transform", "backbone", "rpn", "roi_heads", "postprocess", and the trainer's "data",
 * "forward", "backward", "update", "checkpoint", "evaluation". Benchmarks time the real code
 * through it (see {@link StageTimes}); a user may attach one for profiling.
 *
 * <p>Calls nest (the model's stages happen inside the trainer's "forward") and may come from
 * several threads at once when a batch is split over devices. On a GPU the engine runs work
 * asynchronously, so a stage's end on the host is not its end on the device; set {@code
 * CUDA_LAUNCH_BLOCKING=1} for per-stage device times.
 */
public interface StageListener {

    /** A listener that does nothing (the default). */
    StageListener NONE = new StageListener() {
        @Override
        public void onStageStart(String stage) {}

        @Override
        public void onStageEnd(String stage) {}
    };

    /**
     * @param stage the stage that starts
     */
    void onStageStart(String stage);

    /**
     * @param stage the stage that ends (also when it ends with an exception)
     */
    void onStageEnd(String stage);

    /**
     * Brackets a stage: {@code try (var s = listener.stage("backbone")) { ... }}.
     *
     * @param stage its name
     * @return closes the stage
     */
    default Stage stage(String stage) {
        onStageStart(stage);
        return () -> onStageEnd(stage);
    }

    /**
     * @param next another listener
     * @return a listener that tells this one, then {@code next}, of every start and end
     */
    default StageListener andThen(StageListener next) {
        StageListener first = this;
        return new StageListener() {
            @Override
            public void onStageStart(String stage) {
                first.onStageStart(stage);
                next.onStageStart(stage);
            }

            @Override
            public void onStageEnd(String stage) {
                first.onStageEnd(stage);
                next.onStageEnd(stage);
            }
        };
    }

    /** An open stage; closing it ends the stage. */
    interface Stage extends AutoCloseable {
        @Override
        void close();
    }
}
