package org.cardinal.backbone.pretrain;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Arrays;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.core.config.Alias;
import org.cardinal.core.config.ConfigBinder;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.InvalidFieldException;
import org.cardinal.core.config.JsonFiles;

/**
 * One ImageNet-style pretraining recipe, read from {@code configs/pretrain/<name>.json}. Every
 * default is the paper's recipe (Xie et al. 2017, after He et al. 2016): SGD with momentum 0.9,
 * weight decay 1e-4, batch 256 with learning rate 0.1 scaled linearly by {@code ims_per_batch / 256},
 * divided by 10 at epochs 30, 60 and 90 of 100 (30/60/90 % of {@code epochs} by default); 224-pixel random-resized crops (scale 0.08..1,
 * ratio 3/4..4/3) with flips; evaluation on a 224 centre crop of the image resized to 256.
 *
 * <p>JSON fields are snake_case; only {@code backbone} is required. {@code backbone} is a shipped
 * architecture name ({@code "resnext50_32x4d"}), a path to a backbone JSON (relative to the
 * config's folder), or an inline backbone object, of any registered backbone type ({@link
 * org.cardinal.backbone.spi.Backbones#fromJson}); its {@code num_classes} is replaced by the
 * dataset's class count. {@code generated} describes the built-in synthetic set used when no data
 * folder is given. {@link #toJson()} writes the resolved recipe into the run folder.
 *
 * <p>The fields a detector's run config also has carry its names ({@code backbone}, {@code
 * ims_per_batch}, {@code log_period}, {@code num_workers}); the earlier names {@code arch}, {@code
 * batch_size}, {@code log_every_iters} and {@code workers} are read as {@link Alias aliases}.
 */
public record PretrainConfig(
        @Alias("arch") BackboneSpec backbone,
        int epochs,
        @Alias("batch_size") int imsPerBatch,
        double baseLr,
        double momentum,
        double weightDecay,
        String schedule,
        int[] milestones,
        double gamma,
        int warmupEpochs,
        double warmupStartFactor,
        double labelSmoothing,
        int imageSize,
        int resizeSize,
        double minScale,
        double maxScale,
        double minRatio,
        double maxRatio,
        @Alias("workers") int numWorkers,
        int prefetchBatches,
        long seed,
        int evalEveryEpochs,
        int checkpointEveryEpochs,
        int checkpointEveryIters,
        @Alias("log_every_iters") int logPeriod,
        SyntheticImageFolder generated) {

    private static final int DEFAULT_EPOCHS = 100;

    /** The paper's recipe: every field but {@code backbone}, {@code milestones} and {@code num_workers}. */
    private static final JsonObject DEFAULTS = JsonFiles.parseObject("""
            {
              "epochs": 100,
              "ims_per_batch": 256,
              "base_lr": 0.1,
              "momentum": 0.9,
              "weight_decay": 1e-4,
              "schedule": "step",
              "gamma": 0.1,
              "warmup_epochs": 0,
              "warmup_start_factor": 0.1,
              "label_smoothing": 0.0,
              "image_size": 224,
              "resize_size": 256,
              "min_scale": 0.08,
              "max_scale": 1.0,
              "min_ratio": 0.75,
              "max_ratio": 1.3333333333333333,
              "prefetch_batches": 2,
              "seed": 0,
              "eval_every_epochs": 1,
              "checkpoint_every_epochs": 1,
              "checkpoint_every_iters": 0,
              "log_period": 20,
              "generated": {}
            }""", "PretrainConfig defaults");

    /** Validates the recipe; messages name the field and the expected range. */
    public PretrainConfig {
        // Milestones belong to the step schedule only; cosine ignores (and drops) them.
        milestones = "cosine".equals(schedule) ? new int[0] : milestones.clone();
        check(epochs >= 1, "epochs", "an integer >= 1", epochs);
        check(imsPerBatch >= 2, "ims_per_batch", "an integer >= 2 (BatchNorm needs two images)", imsPerBatch);
        check(baseLr > 0, "base_lr", "a number > 0", baseLr);
        check(momentum >= 0 && momentum < 1, "momentum", "a number in [0, 1)", momentum);
        check(weightDecay >= 0, "weight_decay", "a number >= 0", weightDecay);
        check(schedule.equals("step") || schedule.equals("cosine"), "schedule", "\"step\" or \"cosine\"", schedule);
        for (int i = 0; i < milestones.length; i++) {
            check(
                    milestones[i] > warmupEpochs
                            && milestones[i] < epochs + 1
                            && (i == 0 || milestones[i] > milestones[i - 1]),
                    "milestones",
                    "increasing epochs after warmup_epochs and up to epochs",
                    Arrays.toString(milestones));
        }
        check(gamma > 0 && gamma <= 1, "gamma", "a number in (0, 1]", gamma);
        check(warmupEpochs >= 0 && warmupEpochs < epochs, "warmup_epochs", "an integer in [0, epochs)", warmupEpochs);
        check(
                warmupStartFactor > 0 && warmupStartFactor <= 1,
                "warmup_start_factor",
                "a number in (0, 1]",
                warmupStartFactor);
        check(labelSmoothing >= 0 && labelSmoothing < 1, "label_smoothing", "a number in [0, 1)", labelSmoothing);
        check(imageSize >= 16, "image_size", "an integer >= 16", imageSize);
        check(resizeSize >= imageSize, "resize_size", "an integer >= image_size", resizeSize);
        check(
                minScale > 0 && minScale <= maxScale && maxScale <= 1,
                "min_scale/max_scale",
                "0 < min_scale <= max_scale <= 1",
                minScale + "/" + maxScale);
        check(
                minRatio > 0 && minRatio <= maxRatio,
                "min_ratio/max_ratio",
                "0 < min_ratio <= max_ratio",
                minRatio + "/" + maxRatio);
        check(numWorkers >= 1, "num_workers", "an integer >= 1", numWorkers);
        check(prefetchBatches >= 1, "prefetch_batches", "an integer >= 1", prefetchBatches);
        check(evalEveryEpochs >= 1, "eval_every_epochs", "an integer >= 1", evalEveryEpochs);
        check(checkpointEveryEpochs >= 1, "checkpoint_every_epochs", "an integer >= 1", checkpointEveryEpochs);
        check(
                checkpointEveryIters >= 0,
                "checkpoint_every_iters",
                "an integer >= 0 (0 = only at epoch ends)",
                checkpointEveryIters);
        check(logPeriod >= 1, "log_period", "an integer >= 1", logPeriod);
    }

    private static void check(boolean ok, String field, String expected, Object got) {
        InvalidFieldException.require(ok, field, expected, got);
    }

    /** Peak learning rate: {@code base_lr * ims_per_batch / 256} (linear scaling rule). */
    public double learningRate() {
        return baseLr * imsPerBatch / 256.0;
    }

    /** Milestone epochs (a copy). */
    @Override
    public int[] milestones() {
        return milestones.clone();
    }

    /** The same recipe with other values for the fields a command line may override. */
    public PretrainConfig withRun(int epochs, int imsPerBatch, int numWorkers) {
        int warmup = Math.min(warmupEpochs, epochs - 1);
        // Milestones are absolute epochs: those beyond a shortened run (or inside its warm-up) drop out.
        int[] kept = Arrays.stream(milestones)
                .filter(m -> m > warmup && m < epochs + 1)
                .toArray();
        return new PretrainConfig(
                backbone,
                epochs,
                imsPerBatch,
                baseLr,
                momentum,
                weightDecay,
                schedule,
                kept,
                gamma,
                warmup,
                warmupStartFactor,
                labelSmoothing,
                imageSize,
                resizeSize,
                minScale,
                maxScale,
                minRatio,
                maxRatio,
                numWorkers,
                prefetchBatches,
                seed,
                evalEveryEpochs,
                checkpointEveryEpochs,
                checkpointEveryIters,
                logPeriod,
                generated);
    }

    /** The same recipe with another seed (initial weights, data order, augmentation). */
    public PretrainConfig withSeed(long newSeed) {
        JsonObject j = toJson();
        j.addProperty("seed", newSeed);
        return fromJson(j, ConfigPath.root("withSeed"));
    }

    /** The same recipe for a backbone with {@code classes} outputs. */
    public PretrainConfig withNumClasses(int classes) {
        return new PretrainConfig(
                backbone.withNumClasses(classes),
                epochs,
                imsPerBatch,
                baseLr,
                momentum,
                weightDecay,
                schedule,
                milestones,
                gamma,
                warmupEpochs,
                warmupStartFactor,
                labelSmoothing,
                imageSize,
                resizeSize,
                minScale,
                maxScale,
                minRatio,
                maxRatio,
                numWorkers,
                prefetchBatches,
                seed,
                evalEveryEpochs,
                checkpointEveryEpochs,
                checkpointEveryIters,
                logPeriod,
                generated);
    }

    /** The training crop sampler of this recipe. */
    public RandomResizedCrop crop() {
        return new RandomResizedCrop(minScale, maxScale, minRatio, maxRatio);
    }

    /**
     * Reads a recipe file.
     *
     * @param file the recipe
     * @return the resolved recipe
     * @throws org.cardinal.core.config.ConfigException naming the file and the field for a missing
     *     file, malformed JSON, an unknown field, a wrong type or an out-of-range value
     */
    public static PretrainConfig load(Path file) {
        return fromJson(JsonFiles.readObject(file), ConfigPath.root(file.toString()));
    }

    /**
     * Reads a recipe object; {@code backbone} is required, every other field has the paper's
     * default. A relative backbone path in {@code backbone} is resolved against the folder of {@code at}'s file.
     *
     * @param json the recipe object
     * @param at where it sits, for error messages
     * @return the resolved recipe
     */
    public static PretrainConfig fromJson(JsonElement json, ConfigPath at) {
        int epochs = ConfigBinder.field(json, "epochs", Integer.class, DEFAULT_EPOCHS, at);
        JsonObject defaults = DEFAULTS.deepCopy();
        JsonArray milestones = new JsonArray();
        for (int m : defaultMilestones(epochs)) {
            milestones.add(m);
        }
        defaults.add("milestones", milestones);
        defaults.addProperty("num_workers", Math.max(1, Runtime.getRuntime().availableProcessors()));
        return ConfigBinder.bind(json, PretrainConfig.class, defaults, at);
    }

    /** The paper's 30/60/90 of 100 epochs, scaled to {@code epochs}. */
    static int[] defaultMilestones(int epochs) {
        return java.util.stream.IntStream.of(3, 6, 9)
                .map(k -> (int) Math.round(epochs * k / 10.0))
                .filter(m -> m >= 1)
                .distinct()
                .toArray();
    }

    /** @return the resolved recipe as JSON (the form {@link #load} reads, every default spelled out) */
    public JsonObject toJson() {
        return ConfigBinder.toJson(this);
    }
}
