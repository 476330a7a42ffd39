package org.cardinal.backbone.pretrain;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.cardinal.backbone.BackboneConfig;
import org.cardinal.backbone.JsonObjects;

/**
 * One ImageNet-style pretraining recipe, read from {@code configs/pretrain/<name>.json}. Every
 * default is the paper's recipe (Xie et al. 2017, after He et al. 2016): SGD with momentum 0.9,
 * weight decay 1e-4, batch 256 with learning rate 0.1 scaled linearly by {@code batch_size / 256},
 * divided by 10 at epochs 30, 60 and 90 of 100 (30/60/90 % of {@code epochs} by default); 224-pixel random-resized crops (scale 0.08..1,
 * ratio 3/4..4/3) with flips; evaluation on a 224 centre crop of the image resized to 256.
 *
 * <p>JSON fields are snake_case; only {@code arch} is required. {@code arch} is a shipped
 * architecture name ({@code "resnext50_32x4d"}), a path to a backbone JSON (relative to the
 * config's folder), or an inline backbone object; its {@code num_classes} is replaced by the
 * dataset's class count. {@code generated} describes the built-in synthetic set used when no data
 * folder is given. {@link #toJson()} writes the resolved recipe into the run folder.
 */
public record PretrainConfig(
        BackboneConfig arch,
        int epochs,
        int batchSize,
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
        int workers,
        int prefetchBatches,
        long seed,
        int evalEveryEpochs,
        int checkpointEveryEpochs,
        int checkpointEveryIters,
        int logEveryIters,
        SyntheticImageFolder generated) {

    private static final Set<String> FIELDS = new LinkedHashSet<>(List.of(
            "arch", "epochs", "batch_size", "base_lr", "momentum", "weight_decay", "schedule", "milestones",
            "gamma", "warmup_epochs", "warmup_start_factor", "label_smoothing", "image_size", "resize_size",
            "min_scale", "max_scale", "min_ratio", "max_ratio", "workers", "prefetch_batches", "seed",
            "eval_every_epochs", "checkpoint_every_epochs", "checkpoint_every_iters", "log_every_iters",
            "generated"));
    private static final Set<String> GENERATED_FIELDS =
            Set.of("classes", "train_per_class", "val_per_class", "image_size", "seed");

    /** Validates the recipe; messages name the field and the expected range. */
    public PretrainConfig {
        // Milestones belong to the step schedule only; cosine ignores (and drops) them.
        milestones = "cosine".equals(schedule) ? new int[0] : milestones.clone();
        check(epochs >= 1, "epochs", "an integer >= 1", epochs);
        check(batchSize >= 2, "batch_size", "an integer >= 2 (BatchNorm needs two images)", batchSize);
        check(baseLr > 0, "base_lr", "a number > 0", baseLr);
        check(momentum >= 0 && momentum < 1, "momentum", "a number in [0, 1)", momentum);
        check(weightDecay >= 0, "weight_decay", "a number >= 0", weightDecay);
        check(schedule.equals("step") || schedule.equals("cosine"), "schedule", "\"step\" or \"cosine\"", schedule);
        for (int i = 0; i < milestones.length; i++) {
            check(milestones[i] > warmupEpochs && milestones[i] < epochs + 1
                    && (i == 0 || milestones[i] > milestones[i - 1]),
                    "milestones", "increasing epochs after warmup_epochs and up to epochs", Arrays.toString(milestones));
        }
        check(gamma > 0 && gamma <= 1, "gamma", "a number in (0, 1]", gamma);
        check(warmupEpochs >= 0 && warmupEpochs < epochs, "warmup_epochs", "an integer in [0, epochs)", warmupEpochs);
        check(warmupStartFactor > 0 && warmupStartFactor <= 1, "warmup_start_factor", "a number in (0, 1]",
                warmupStartFactor);
        check(labelSmoothing >= 0 && labelSmoothing < 1, "label_smoothing", "a number in [0, 1)", labelSmoothing);
        check(imageSize >= 16, "image_size", "an integer >= 16", imageSize);
        check(resizeSize >= imageSize, "resize_size", "an integer >= image_size", resizeSize);
        check(minScale > 0 && minScale <= maxScale && maxScale <= 1, "min_scale/max_scale",
                "0 < min_scale <= max_scale <= 1", minScale + "/" + maxScale);
        check(minRatio > 0 && minRatio <= maxRatio, "min_ratio/max_ratio", "0 < min_ratio <= max_ratio",
                minRatio + "/" + maxRatio);
        check(workers >= 1, "workers", "an integer >= 1", workers);
        check(prefetchBatches >= 1, "prefetch_batches", "an integer >= 1", prefetchBatches);
        check(evalEveryEpochs >= 1, "eval_every_epochs", "an integer >= 1", evalEveryEpochs);
        check(checkpointEveryEpochs >= 1, "checkpoint_every_epochs", "an integer >= 1", checkpointEveryEpochs);
        check(checkpointEveryIters >= 0, "checkpoint_every_iters", "an integer >= 0 (0 = only at epoch ends)",
                checkpointEveryIters);
        check(logEveryIters >= 1, "log_every_iters", "an integer >= 1", logEveryIters);
    }

    private static void check(boolean ok, String field, String expected, Object got) {
        if (!ok) {
            throw new IllegalArgumentException("field '" + field + "' must be " + expected + ", got " + got);
        }
    }

    /** Peak learning rate: {@code base_lr * batch_size / 256} (linear scaling rule). */
    public double learningRate() {
        return baseLr * batchSize / 256.0;
    }

    /** Milestone epochs (a copy). */
    @Override
    public int[] milestones() {
        return milestones.clone();
    }

    /** The same recipe with other values for the fields a command line may override. */
    public PretrainConfig withRun(int epochs, int batchSize, int workers) {
        int warmup = Math.min(warmupEpochs, epochs - 1);
        // Milestones are absolute epochs: those beyond a shortened run (or inside its warm-up) drop out.
        int[] kept = Arrays.stream(milestones).filter(m -> m > warmup && m < epochs + 1).toArray();
        return new PretrainConfig(arch, epochs, batchSize, baseLr, momentum, weightDecay, schedule, kept, gamma,
                warmup, warmupStartFactor, labelSmoothing, imageSize, resizeSize,
                minScale, maxScale, minRatio, maxRatio, workers, prefetchBatches, seed, evalEveryEpochs,
                checkpointEveryEpochs, checkpointEveryIters, logEveryIters, generated);
    }

    /** The same recipe for a backbone with {@code classes} outputs. */
    public PretrainConfig withNumClasses(int classes) {
        return new PretrainConfig(arch.withNumClasses(classes), epochs, batchSize, baseLr, momentum, weightDecay,
                schedule, milestones, gamma, warmupEpochs, warmupStartFactor, labelSmoothing, imageSize, resizeSize,
                minScale, maxScale, minRatio, maxRatio, workers, prefetchBatches, seed, evalEveryEpochs,
                checkpointEveryEpochs, checkpointEveryIters, logEveryIters, generated);
    }

    /** The training crop sampler of this recipe. */
    public RandomResizedCrop crop() {
        return new RandomResizedCrop(minScale, maxScale, minRatio, maxRatio);
    }

    /**
     * Reads a recipe file.
     *
     * @throws IllegalArgumentException naming the file and the field for a missing file, malformed
     *     JSON, an unknown field, a wrong type or an out-of-range value
     */
    public static PretrainConfig load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("pretrain config file not found: " + file);
        }
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Path dir = file.toAbsolutePath().getParent();
            return parse(r, file.toString(), dir);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read pretrain config " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses a recipe; {@code source} names it in messages and {@code baseDir} resolves a relative
     * backbone path.
     */
    public static PretrainConfig parse(Reader reader, String source, Path baseDir) {
        JsonObject o = JsonObjects.parse(reader, source);
        for (String key : o.keySet()) {
            if (!FIELDS.contains(key)) {
                throw new IllegalArgumentException(source + ": unknown field '" + key + "'; expected one of " + FIELDS);
            }
        }
        Json j = new Json(o, source);
        try {
            int epochs = j.integer("epochs", 100);
            return new PretrainConfig(
                    arch(o.get("arch"), source, baseDir),
                    epochs,
                    j.integer("batch_size", 256),
                    j.number("base_lr", 0.1),
                    j.number("momentum", 0.9),
                    j.number("weight_decay", 1e-4),
                    j.string("schedule", "step"),
                    j.integers("milestones", defaultMilestones(epochs)),
                    j.number("gamma", 0.1),
                    j.integer("warmup_epochs", 0),
                    j.number("warmup_start_factor", 0.1),
                    j.number("label_smoothing", 0.0),
                    j.integer("image_size", 224),
                    j.integer("resize_size", 256),
                    j.number("min_scale", 0.08),
                    j.number("max_scale", 1.0),
                    j.number("min_ratio", 3.0 / 4.0),
                    j.number("max_ratio", 4.0 / 3.0),
                    j.integer("workers", Math.max(1, Runtime.getRuntime().availableProcessors())),
                    j.integer("prefetch_batches", 2),
                    j.integer("seed", 0),
                    j.integer("eval_every_epochs", 1),
                    j.integer("checkpoint_every_epochs", 1),
                    j.integer("checkpoint_every_iters", 0),
                    j.integer("log_every_iters", 20),
                    generated(o.get("generated"), source));
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source)) {
                throw e;
            }
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /** The paper's 30/60/90 of 100 epochs, scaled to {@code epochs}. */
    static int[] defaultMilestones(int epochs) {
        return java.util.stream.IntStream.of(3, 6, 9)
                .map(k -> (int) Math.round(epochs * k / 10.0))
                .filter(m -> m >= 1)
                .distinct()
                .toArray();
    }

    private static BackboneConfig arch(JsonElement e, String source, Path baseDir) {
        if (e == null) {
            throw new IllegalArgumentException(source + ": missing field 'arch' (an architecture name such as "
                    + "\"resnet50\", a backbone JSON path, or a backbone object)");
        }
        if (e.isJsonObject()) {
            return BackboneConfig.parse(new StringReader(e.toString()), source + " field 'arch'", "custom");
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            String s = e.getAsString();
            if (s.endsWith(".json") || s.contains("/")) {
                Path p = Path.of(s);
                return BackboneConfig.load(p.isAbsolute() || baseDir == null ? p : baseDir.resolve(p));
            }
            return BackboneConfig.named(s);
        }
        throw new IllegalArgumentException(source + ": field 'arch' must be a name, a path or an object, got " + e);
    }

    private static SyntheticImageFolder generated(JsonElement e, String source) {
        JsonObject o = new JsonObject();
        if (e != null) {
            if (!e.isJsonObject()) {
                throw new IllegalArgumentException(source + ": field 'generated' must be an object");
            }
            o = e.getAsJsonObject();
        }
        for (String key : o.keySet()) {
            if (!GENERATED_FIELDS.contains(key)) {
                throw new IllegalArgumentException(
                        source + ": unknown field 'generated." + key + "'; expected one of " + GENERATED_FIELDS);
            }
        }
        Json j = new Json(o, source + " field 'generated'");
        return new SyntheticImageFolder(
                j.integer("classes", 8),
                j.integer("train_per_class", 64),
                j.integer("val_per_class", 16),
                j.integer("image_size", 72),
                j.integer("seed", 0));
    }

    /** The resolved recipe as JSON (the form {@link #load} reads, with every default spelled out). */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.add("arch", JsonParser.parseString(arch.toJson()));
        o.addProperty("epochs", epochs);
        o.addProperty("batch_size", batchSize);
        o.addProperty("base_lr", baseLr);
        o.addProperty("momentum", momentum);
        o.addProperty("weight_decay", weightDecay);
        o.addProperty("schedule", schedule);
        JsonArray m = new JsonArray();
        Arrays.stream(milestones).forEach(m::add);
        o.add("milestones", m);
        o.addProperty("gamma", gamma);
        o.addProperty("warmup_epochs", warmupEpochs);
        o.addProperty("warmup_start_factor", warmupStartFactor);
        o.addProperty("label_smoothing", labelSmoothing);
        o.addProperty("image_size", imageSize);
        o.addProperty("resize_size", resizeSize);
        o.addProperty("min_scale", minScale);
        o.addProperty("max_scale", maxScale);
        o.addProperty("min_ratio", minRatio);
        o.addProperty("max_ratio", maxRatio);
        o.addProperty("workers", workers);
        o.addProperty("prefetch_batches", prefetchBatches);
        o.addProperty("seed", seed);
        o.addProperty("eval_every_epochs", evalEveryEpochs);
        o.addProperty("checkpoint_every_epochs", checkpointEveryEpochs);
        o.addProperty("checkpoint_every_iters", checkpointEveryIters);
        o.addProperty("log_every_iters", logEveryIters);
        JsonObject g = new JsonObject();
        g.addProperty("classes", generated.classes());
        g.addProperty("train_per_class", generated.trainPerClass());
        g.addProperty("val_per_class", generated.valPerClass());
        g.addProperty("image_size", generated.imageSize());
        g.addProperty("seed", generated.seed());
        o.add("generated", g);
        return new GsonBuilder().setPrettyPrinting().create().toJson(o);
    }

    /** Typed field access with messages naming the source and field. */
    private record Json(JsonObject o, String source) {
        int integer(String field, int fallback) {
            if (!o.has(field)) {
                return fallback;
            }
            double v = number(field, fallback);
            if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(source + ": field '" + field + "' must be an integer, got " + v);
            }
            return (int) v;
        }

        double number(String field, double fallback) {
            JsonElement e = o.get(field);
            if (e == null) {
                return fallback;
            }
            if (e.isJsonPrimitive() && ((JsonPrimitive) e).isNumber()) {
                return e.getAsDouble();
            }
            throw new IllegalArgumentException(source + ": field '" + field + "' must be a number, got " + e);
        }

        String string(String field, String fallback) {
            JsonElement e = o.get(field);
            if (e == null) {
                return fallback;
            }
            if (e.isJsonPrimitive() && ((JsonPrimitive) e).isString()) {
                return e.getAsString();
            }
            throw new IllegalArgumentException(source + ": field '" + field + "' must be a string, got " + e);
        }

        int[] integers(String field, int[] fallback) {
            JsonElement e = o.get(field);
            if (e == null) {
                return fallback;
            }
            if (!e.isJsonArray()) {
                throw new IllegalArgumentException(source + ": field '" + field + "' must be an array of integers");
            }
            JsonArray a = e.getAsJsonArray();
            int[] out = new int[a.size()];
            for (int i = 0; i < out.length; i++) {
                JsonElement x = a.get(i);
                if (!x.isJsonPrimitive() || !((JsonPrimitive) x).isNumber() || x.getAsDouble() != Math.rint(x.getAsDouble())) {
                    throw new IllegalArgumentException(
                            source + ": field '" + field + "[" + i + "]' must be an integer, got " + x);
                }
                out[i] = x.getAsInt();
            }
            return out;
        }
    }
}
