package org.cardinal.detector.train;

import java.util.Locale;

/**
 * detectron2's standard training schedules ("1x" = 90k iterations at 16 images per batch, lr
 * 0.02, decays at 60k and 80k; "3x" = 270k with decays at 210k and 250k; 1000 warmup
 * iterations), scaled to another batch size by the linear scaling rule (Goyal et al. 2017): the
 * learning rate scales with the batch, every iteration count inversely, so the number of epochs
 * and the lr per image stay the same. detectron2 applies the same rule in
 * {@code DefaultTrainer.auto_scale_workers} (lr, max_iter, steps, warmup, checkpoint period).
 *
 * @param name "1x" or "3x"
 * @param imsPerBatch batch size the schedule is scaled to
 * @param baseLr scaled base learning rate
 * @param maxIter scaled number of iterations
 * @param steps scaled iterations at which the lr is multiplied by gamma
 * @param warmupIters scaled linear warmup length
 * @param checkpointPeriod scaled checkpoint period
 */
public record Schedule(
        String name, int imsPerBatch, double baseLr, int maxIter, int[] steps, int warmupIters, int checkpointPeriod) {

    /** Batch size the published schedules are defined for. */
    public static final int REFERENCE_IMS_PER_BATCH = 16;

    /** Base lr of the published schedules at 16 images per batch. */
    public static final double REFERENCE_BASE_LR = 0.02;

    /**
     * The named schedule scaled to {@code imsPerBatch}.
     *
     * @param name "1x" or "3x" (case-insensitive)
     * @param imsPerBatch images per iteration (all devices together)
     * @return the scaled schedule
     * @throws IllegalArgumentException for an unknown name or a non-positive batch
     */
    public static Schedule scaled(String name, int imsPerBatch) {
        if (imsPerBatch <= 0) {
            throw new IllegalArgumentException("ims_per_batch must be positive, got " + imsPerBatch);
        }
        String n = name.toLowerCase(Locale.ROOT);
        int maxIter;
        int[] steps;
        switch (n) {
            case "1x" -> {
                maxIter = 90_000;
                steps = new int[] {60_000, 80_000};
            }
            case "3x" -> {
                maxIter = 270_000;
                steps = new int[] {210_000, 250_000};
            }
            default -> throw new IllegalArgumentException("unknown schedule \"" + name + "\"; known: \"1x\", \"3x\"");
        }
        double f = (double) REFERENCE_IMS_PER_BATCH / imsPerBatch;
        int[] scaledSteps = new int[steps.length];
        for (int i = 0; i < steps.length; i++) {
            scaledSteps[i] = (int) Math.round(steps[i] * f);
        }
        return new Schedule(
                n,
                imsPerBatch,
                REFERENCE_BASE_LR / f,
                (int) Math.round(maxIter * f),
                scaledSteps,
                (int) Math.round(1000 * f),
                (int) Math.round(5000 * f));
    }
}
