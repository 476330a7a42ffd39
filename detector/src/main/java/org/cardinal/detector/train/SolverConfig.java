package org.cardinal.detector.train;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.Set;

/**
 * The optimisation part of a run: SGD with momentum and weight decay, detectron2's
 * WarmupMultiStepLR schedule, checkpoint / evaluation / logging periods, seed and devices.
 *
 * <p>Defaults: {@code schedule} "1x" scaled to {@code ims_per_batch} (see {@link Schedule});
 * every field set explicitly in the JSON overrides the value derived from the schedule.
 *
 * @param schedule "1x" or "3x": source of the defaults of the schedule fields
 * @param imsPerBatch images per iteration over all devices
 * @param baseLr learning rate after warmup, before any decay
 * @param momentum SGD momentum (0.9)
 * @param weightDecay L2 weight decay added to the gradient (1e-4)
 * @param maxIter iterations to train
 * @param steps iterations at which the lr is multiplied by {@code gamma}
 * @param gamma lr decay factor (0.1)
 * @param warmupIters linear warmup length in iterations
 * @param warmupFactor lr factor at iteration 0 of the warmup (0.001)
 * @param clipGradNorm clip the total L2 norm of the gradients to this; 0 = no clipping
 * @param checkpointPeriod write a checkpoint every this many iterations (and at the end)
 * @param evalPeriod evaluate on the val set every this many iterations; 0 = only at the end
 * @param logPeriod write a metrics line every this many iterations
 * @param seed seeds data order, flips, the engine's RNG (sampling) and initialisation
 * @param device "auto" (every GPU, else the CPU), "cpu", "gpu" (every GPU) or "gpu:0,1"
 */
public record SolverConfig(
        String schedule,
        int imsPerBatch,
        double baseLr,
        double momentum,
        double weightDecay,
        int maxIter,
        int[] steps,
        double gamma,
        int warmupIters,
        double warmupFactor,
        double clipGradNorm,
        int checkpointPeriod,
        int evalPeriod,
        int logPeriod,
        long seed,
        String device) {

    static final Set<String> FIELDS =
            Set.of(
                    "schedule", "ims_per_batch", "base_lr", "momentum", "weight_decay",
                    "max_iter", "steps", "gamma", "warmup_iters", "warmup_factor",
                    "clip_grad_norm", "checkpoint_period", "eval_period", "log_period", "seed",
                    "device");

    /** Validates ranges; messages name the JSON field. */
    public SolverConfig {
        steps = steps.clone();
        check(imsPerBatch > 0, "ims_per_batch", "a positive integer", imsPerBatch);
        check(baseLr > 0 && Double.isFinite(baseLr), "base_lr", "a positive number", baseLr);
        check(momentum >= 0 && momentum < 1, "momentum", "a number in [0, 1)", momentum);
        check(weightDecay >= 0, "weight_decay", "a number >= 0", weightDecay);
        check(maxIter > 0, "max_iter", "a positive integer", maxIter);
        for (int i = 0; i < steps.length; i++) {
            check(steps[i] > 0 && (i == 0 || steps[i] > steps[i - 1]), "steps",
                    "increasing positive iterations", Arrays.toString(steps));
        }
        check(gamma > 0, "gamma", "a positive number", gamma);
        check(warmupIters >= 0, "warmup_iters", "an integer >= 0", warmupIters);
        check(warmupFactor > 0 && warmupFactor <= 1, "warmup_factor", "a number in (0, 1]",
                warmupFactor);
        check(clipGradNorm >= 0, "clip_grad_norm", "a number >= 0 (0 = off)", clipGradNorm);
        check(checkpointPeriod > 0, "checkpoint_period", "a positive integer", checkpointPeriod);
        check(evalPeriod >= 0, "eval_period", "an integer >= 0 (0 = only at the end)", evalPeriod);
        check(logPeriod > 0, "log_period", "a positive integer", logPeriod);
        DeviceSelection.validate(device);
    }

    /** The defaults: detectron2's 1x schedule at 16 images per batch. */
    public static SolverConfig defaults() {
        return fromJson(new JsonObject(), "defaults");
    }

    /**
     * Reads the "solver" object; absent fields take the defaults.
     *
     * @param json the object (null = all defaults)
     * @param source file name for error messages
     * @return the resolved solver config
     */
    public static SolverConfig fromJson(JsonObject json, String source) {
        JsonFields f = new JsonFields(json, source, "solver");
        f.rejectUnknown(FIELDS);
        int batch = f.getInt("ims_per_batch", Schedule.REFERENCE_IMS_PER_BATCH);
        String scheduleName = f.getString("schedule", "1x");
        Schedule s;
        try {
            s = Schedule.scaled(scheduleName, batch);
        } catch (IllegalArgumentException e) {
            throw f.error(f.has("ims_per_batch") ? "schedule / ims_per_batch" : "schedule",
                    "\"1x\" or \"3x\" with a positive ims_per_batch", scheduleName + " / " + batch);
        }
        try {
            return new SolverConfig(
                    s.name(),
                    batch,
                    f.getDouble("base_lr", s.baseLr()),
                    f.getDouble("momentum", 0.9),
                    f.getDouble("weight_decay", 1e-4),
                    f.getInt("max_iter", s.maxIter()),
                    f.getIntArray("steps", s.steps()),
                    f.getDouble("gamma", 0.1),
                    f.getInt("warmup_iters", s.warmupIters()),
                    f.getDouble("warmup_factor", 0.001),
                    f.getDouble("clip_grad_norm", 0),
                    f.getInt("checkpoint_period", s.checkpointPeriod()),
                    f.getInt("eval_period", 0),
                    f.getInt("log_period", 20),
                    f.getLong("seed", 42),
                    f.getString("device", "auto"));
        } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith(source)) {
                throw e;
            }
            throw new IllegalArgumentException(source + ": solver: " + e.getMessage(), e);
        }
    }

    /** The resolved config as JSON (every field present). */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("schedule", schedule);
        o.addProperty("ims_per_batch", imsPerBatch);
        o.addProperty("base_lr", baseLr);
        o.addProperty("momentum", momentum);
        o.addProperty("weight_decay", weightDecay);
        o.addProperty("max_iter", maxIter);
        JsonArray st = new JsonArray();
        for (int x : steps) {
            st.add(x);
        }
        o.add("steps", st);
        o.addProperty("gamma", gamma);
        o.addProperty("warmup_iters", warmupIters);
        o.addProperty("warmup_factor", warmupFactor);
        o.addProperty("clip_grad_norm", clipGradNorm);
        o.addProperty("checkpoint_period", checkpointPeriod);
        o.addProperty("eval_period", evalPeriod);
        o.addProperty("log_period", logPeriod);
        o.addProperty("seed", seed);
        o.addProperty("device", device);
        return o;
    }

    @Override
    public int[] steps() {
        return steps.clone();
    }

    /** A copy with another device option. */
    public SolverConfig withDevice(String newDevice) {
        return new SolverConfig(schedule, imsPerBatch, baseLr, momentum, weightDecay, maxIter,
                steps, gamma, warmupIters, warmupFactor, clipGradNorm, checkpointPeriod,
                evalPeriod, logPeriod, seed, newDevice);
    }

    /** A copy with another iteration count (steps beyond it simply never fire). */
    public SolverConfig withMaxIter(int newMaxIter) {
        return new SolverConfig(schedule, imsPerBatch, baseLr, momentum, weightDecay,
                newMaxIter, steps, gamma, warmupIters, warmupFactor, clipGradNorm,
                checkpointPeriod, evalPeriod, logPeriod, seed, device);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SolverConfig s && toJson().equals(s.toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    @Override
    public String toString() {
        return toJson().toString();
    }

    private static void check(boolean ok, String field, String expected, Object found) {
        if (!ok) {
            throw new IllegalArgumentException(
                    "field '" + field + "': expected " + expected + ", found " + found);
        }
    }
}
