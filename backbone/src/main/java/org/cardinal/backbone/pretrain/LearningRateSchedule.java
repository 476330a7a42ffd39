package org.cardinal.backbone.pretrain;

import ai.djl.training.tracker.CosineTracker;
import ai.djl.training.tracker.MultiFactorTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.training.tracker.WarmUpTracker;

/**
 * Builds the learning-rate schedule of a {@link PretrainConfig} as a DJL {@link Tracker} indexed by
 * iteration (0-based): the paper's step decay ({@code lr * gamma^i} from the i-th milestone
 * epoch on; milestones count from the start of training, warm-up included) or a cosine decay to zero, optionally preceded by a linear warm-up from {@code
 * warmup_start_factor * lr}. As in torchvision's reference recipe the main schedule starts counting
 * when the warm-up ends.
 *
 * <p>The returned tracker may keep state (DJL's {@code MultiFactorTracker} does): query it with a
 * non-decreasing iteration, and build a new one when a run resumes.
 */
public final class LearningRateSchedule {
    private LearningRateSchedule() {}

    /**
     * @param config the recipe (its peak learning rate is already scaled by batch size)
     * @param itersPerEpoch optimizer steps per epoch
     */
    public static Tracker build(PretrainConfig config, int itersPerEpoch) {
        float lr = (float) config.learningRate();
        int warmup = config.warmupEpochs() * itersPerEpoch;
        int mainIters = Math.max(1, config.epochs() * itersPerEpoch - warmup);
        Tracker main;
        if (config.schedule().equals("cosine")) {
            main = CosineTracker.builder()
                    .setBaseValue(lr)
                    .optFinalValue(0f)
                    .setMaxUpdates(mainIters)
                    .build();
        } else {
            int[] milestones = config.milestones();
            if (milestones.length == 0) {
                main = Tracker.fixed(lr);
            } else {
                // MultiFactorTracker changes the value once numUpdate > step, so step = first
                // iteration of the milestone epoch - 1; it needs two steps at least, so a single
                // milestone gets a second one that is never reached.
                int n = Math.max(2, milestones.length);
                int[] steps = new int[n];
                for (int i = 0; i < n; i++) {
                    steps[i] = i < milestones.length
                            ? Math.max(i + 1, (milestones[i] - config.warmupEpochs()) * itersPerEpoch - 1)
                            : Integer.MAX_VALUE;
                }
                main = MultiFactorTracker.builder()
                        .setBaseValue(lr)
                        .setSteps(steps)
                        .optFactor((float) config.gamma())
                        .build();
            }
        }
        if (warmup == 0) {
            return main;
        }
        return WarmUpTracker.builder()
                .setMainTracker(main)
                .optWarmUpSteps(warmup)
                .optWarmUpBeginValue((float) (lr * config.warmupStartFactor()))
                .build();
    }
}
