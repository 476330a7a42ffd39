package org.cardinal.detector.train;

import ai.djl.training.tracker.Tracker;

/**
 * detectron2's {@code WarmupMultiStepLR} as a DJL {@link Tracker}: for iteration {@code i}
 * (0-based, the iteration about to run)
 *
 * <pre>
 *   lr(i) = baseLr * warmup(i) * gamma ^ (number of steps s with s &lt;= i)
 *   warmup(i) = i &lt; warmupIters ? warmupFactor * (1 - i / warmupIters) + i / warmupIters : 1
 * </pre>
 *
 * <p>Why not DJL's {@code WarmUpTracker} + {@code MultiFactorTracker}: WarmUpTracker hands the
 * main tracker {@code i - warmupSteps}, so the decay steps would be shifted by the warmup
 * length; it ramps towards the main tracker's value at 0 rather than multiplying by a factor,
 * and MultiFactorTracker keeps the decayed value as mutable state, so it cannot be asked for an
 * earlier iteration (as a resumed run does) and gives a different answer than on a straight run.
 * This tracker is a pure function of the iteration, which makes resuming exact.
 */
public final class WarmupMultiStepTracker implements Tracker {

    private final double baseLr;
    private final int[] steps;
    private final double gamma;
    private final int warmupIters;
    private final double warmupFactor;

    /**
     * @param baseLr learning rate after warmup and before decay
     * @param steps increasing iterations at which the lr is multiplied by {@code gamma}
     * @param gamma decay factor
     * @param warmupIters linear warmup length (0 = none)
     * @param warmupFactor factor at iteration 0
     */
    public WarmupMultiStepTracker(double baseLr, int[] steps, double gamma, int warmupIters, double warmupFactor) {
        this.baseLr = baseLr;
        this.steps = steps.clone();
        this.gamma = gamma;
        this.warmupIters = warmupIters;
        this.warmupFactor = warmupFactor;
    }

    /** The tracker for a solver config. */
    public static WarmupMultiStepTracker of(SolverConfig s) {
        return new WarmupMultiStepTracker(s.baseLr(), s.steps(), s.gamma(), s.warmupIters(), s.warmupFactor());
    }

    /** The learning rate of iteration {@code iteration} (0-based) in double precision. */
    public double lr(long iteration) {
        double f = 1.0;
        if (iteration < warmupIters) {
            double alpha = (double) iteration / warmupIters;
            f = warmupFactor * (1 - alpha) + alpha;
        }
        int passed = 0;
        for (int s : steps) {
            if (s <= iteration) {
                passed++;
            }
        }
        return baseLr * f * Math.pow(gamma, passed);
    }

    /** {@inheritDoc} Here {@code numUpdate} is the 0-based iteration. */
    @Override
    public float getNewValue(int numUpdate) {
        return (float) lr(numUpdate);
    }
}
