package org.cardinal.detector.train;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Arrays;
import org.cardinal.core.config.ConfigBinder;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.InvalidFieldException;

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

    /** Validates ranges; messages name the JSON field. */
    public SolverConfig {
        steps = steps.clone();
        check(imsPerBatch > 0, "ims_per_batch", "a positive integer", imsPerBatch);
        check(baseLr > 0 && Double.isFinite(baseLr), "base_lr", "a positive number", baseLr);
        check(momentum >= 0 && momentum < 1, "momentum", "a number in [0, 1)", momentum);
        check(weightDecay >= 0, "weight_decay", "a number >= 0", weightDecay);
        check(maxIter > 0, "max_iter", "a positive integer", maxIter);
        for (int i = 0; i < steps.length; i++) {
            check(
                    steps[i] > 0 && (i == 0 || steps[i] > steps[i - 1]),
                    "steps",
                    "increasing positive iterations",
                    Arrays.toString(steps));
        }
        check(gamma > 0, "gamma", "a positive number", gamma);
        check(warmupIters >= 0, "warmup_iters", "an integer >= 0", warmupIters);
        check(warmupFactor > 0 && warmupFactor <= 1, "warmup_factor", "a number in (0, 1]", warmupFactor);
        check(clipGradNorm >= 0, "clip_grad_norm", "a number >= 0 (0 = off)", clipGradNorm);
        check(checkpointPeriod > 0, "checkpoint_period", "a positive integer", checkpointPeriod);
        check(evalPeriod >= 0, "eval_period", "an integer >= 0 (0 = only at the end)", evalPeriod);
        check(logPeriod > 0, "log_period", "a positive integer", logPeriod);
        DeviceSelection.validate(device);
    }

    /** The defaults: detectron2's 1x schedule at 16 images per batch. */
    public static SolverConfig defaults() {
        return fromJson(new JsonObject(), ConfigPath.root("defaults"));
    }

    /**
     * Reads the "solver" object; absent fields take the defaults, those of the schedule scaled to
     * {@code ims_per_batch} (see {@link Schedule}).
     *
     * @param json the object (null = all defaults)
     * @param at where it sits, for error messages
     * @return the resolved solver config
     */
    public static SolverConfig fromJson(JsonElement json, ConfigPath at) {
        int batch = ConfigBinder.field(json, "ims_per_batch", Integer.class, Schedule.REFERENCE_IMS_PER_BATCH, at);
        String name = ConfigBinder.field(json, "schedule", String.class, "1x", at);
        Schedule s;
        try {
            s = Schedule.scaled(name, batch);
        } catch (IllegalArgumentException e) {
            throw batch > 0
                    ? at.field("schedule").invalid("\"1x\" or \"3x\"", "\"" + name + "\"")
                    : at.field("ims_per_batch").invalid("a positive integer", batch);
        }
        JsonObject d = new JsonObject();
        d.addProperty("schedule", s.name());
        d.addProperty("ims_per_batch", batch);
        d.addProperty("base_lr", s.baseLr());
        d.addProperty("momentum", 0.9);
        d.addProperty("weight_decay", 1e-4);
        d.addProperty("max_iter", s.maxIter());
        JsonArray steps = new JsonArray();
        for (int x : s.steps()) {
            steps.add(x);
        }
        d.add("steps", steps);
        d.addProperty("gamma", 0.1);
        d.addProperty("warmup_iters", s.warmupIters());
        d.addProperty("warmup_factor", 0.001);
        d.addProperty("clip_grad_norm", 0.0);
        d.addProperty("checkpoint_period", s.checkpointPeriod());
        d.addProperty("eval_period", 0);
        d.addProperty("log_period", 20);
        d.addProperty("seed", 42);
        d.addProperty("device", "auto");
        return ConfigBinder.bind(json, SolverConfig.class, d, at);
    }

    /** @return the resolved config as JSON (every field present) */
    public JsonObject toJson() {
        return ConfigBinder.toJson(this);
    }

    @Override
    public int[] steps() {
        return steps.clone();
    }

    /** A copy with another device option. */
    public SolverConfig withDevice(String newDevice) {
        return new SolverConfig(
                schedule,
                imsPerBatch,
                baseLr,
                momentum,
                weightDecay,
                maxIter,
                steps,
                gamma,
                warmupIters,
                warmupFactor,
                clipGradNorm,
                checkpointPeriod,
                evalPeriod,
                logPeriod,
                seed,
                newDevice);
    }

    /** A copy with another learning rate after warmup (the command line's {@code --base-lr}). */
    public SolverConfig withBaseLr(double newBaseLr) {
        return new SolverConfig(
                schedule,
                imsPerBatch,
                newBaseLr,
                momentum,
                weightDecay,
                maxIter,
                steps,
                gamma,
                warmupIters,
                warmupFactor,
                clipGradNorm,
                checkpointPeriod,
                evalPeriod,
                logPeriod,
                seed,
                device);
    }

    /** A copy with another seed (the command line's {@code --seed}). */
    public SolverConfig withSeed(long newSeed) {
        return new SolverConfig(
                schedule,
                imsPerBatch,
                baseLr,
                momentum,
                weightDecay,
                maxIter,
                steps,
                gamma,
                warmupIters,
                warmupFactor,
                clipGradNorm,
                checkpointPeriod,
                evalPeriod,
                logPeriod,
                newSeed,
                device);
    }

    /** A copy with another iteration count (steps beyond it simply never fire). */
    public SolverConfig withMaxIter(int newMaxIter) {
        return new SolverConfig(
                schedule,
                imsPerBatch,
                baseLr,
                momentum,
                weightDecay,
                newMaxIter,
                steps,
                gamma,
                warmupIters,
                warmupFactor,
                clipGradNorm,
                checkpointPeriod,
                evalPeriod,
                logPeriod,
                seed,
                device);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SolverConfig s && toJson().equals(s.toJson());
    }

    /**
     * @param iteration iterations done
     * @return whether the val set is evaluated after that many iterations: every
     *     {@code eval_period}, and once at {@code max_iter}
     */
    public boolean evaluatesAfter(int iteration) {
        return iteration == maxIter || (evalPeriod > 0 && iteration % evalPeriod == 0 && iteration < maxIter);
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
        InvalidFieldException.require(ok, field, expected, found);
    }
}
