package org.cardinal.detector.compare;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.core.config.ConfigBinder;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.InvalidFieldException;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.core.io.FolderNames;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.train.SolverConfig;

/**
 * A backbone comparison ({@code configs/compare/*.json}): one detector run config that every
 * backbone shares, the backbones, and how many seeds each is trained with.
 *
 * <pre>{@code
 * { "name": "demo_resnet_vs_resnext",
 *   "title": "...",
 *   "base": "configs/detectors/demo_tiny_fpn.json",       required: a run config file or a name
 *   "overrides": { "solver": { "max_iter": 600 } },        merged into the base, field by field
 *   "backbones": ["resnet50", {"name": ..., "block": ...}, "my_backbone.json"],
 *   "seeds": 3,
 *   "macs_input_size": 224,                               default: the base model's min_size
 *   "pretrain": { "recipe": "configs/pretrain/default.json", "images": null, "per_seed": true } }
 * }</pre>
 *
 * <p>The first backbone is the reference: complexity ratios and paired differences are taken
 * against it. Seed k (0-based) of the comparison is the base's {@code solver.seed} + k.
 *
 * <p>{@code overrides} is deep-merged into the base: objects field by field, any other value
 * replaces. Giving {@code solver.max_iter} there changes the length of every run while keeping
 * the shape of the base's schedule: {@code steps}, {@code warmup_iters}, {@code eval_period} and
 * {@code checkpoint_period} scale by {@code max_iter / base max_iter} unless the overrides set
 * them too. So the iterations per run are one number.
 *
 * <p>Paths ({@code base}, {@code pretrain.recipe}) are found, in this order, in the working
 * folder, in the comparison file's folder, and in the project folder (the one holding the
 * {@code configs/} folder the comparison file sits in); a bare name is {@code
 * configs/detectors/NAME.json} (or {@code configs/pretrain/NAME.json}) under those folders; a tool
 * may add folders of its own (its project folder). {@link #base()} is the path as found. Errors
 * name the file and the field, as for every config type.
 *
 * @param name names the comparison (default folder {@code runs/compare/<name>}); letters, digits,
 *     {@code . _ -}
 * @param title the report's title
 * @param base path of the run config every backbone shares
 * @param overrides merged into the base run config (a copy is returned)
 * @param backbones two or more, distinct names (each names its run folders)
 * @param seeds runs per backbone, one per seed (3 by default)
 * @param macsInputSize side of the square input complexity is counted at
 * @param pretrain ImageNet-style pretraining of each backbone before detection, or null for none
 */
public record ComparisonConfig(
        String name,
        String title,
        String base,
        JsonObject overrides,
        List<BackboneSpec> backbones,
        int seeds,
        int macsInputSize,
        Pretraining pretrain) {

    /** Seeds per backbone when the config does not say. */
    public static final int DEFAULT_SEEDS = 3;

    /** Validates the fields; messages name the JSON field. */
    public ComparisonConfig {
        InvalidFieldException.require(
                isFolderName(name),
                "name",
                "a name of letters, digits, '.', '_' or '-', not only dots (it names a folder)",
                name == null ? null : "\"" + name + "\"");
        InvalidFieldException.require(base != null && !base.isBlank(), "base", "the path of a run config", base);
        overrides = overrides == null ? new JsonObject() : overrides.deepCopy();
        backbones = List.copyOf(backbones);
        InvalidFieldException.require(
                backbones.size() >= 2,
                "backbones",
                "at least two backbones (names, files or objects), the reference first",
                backbones.size());
        Set<String> names = new HashSet<>();
        for (BackboneSpec b : backbones) {
            InvalidFieldException.require(
                    isFolderName(b.name()),
                    "backbones",
                    "backbone names of letters, digits, '.', '_' or '-', not only dots (each names a folder)",
                    "\"" + b.name() + "\"");
            InvalidFieldException.require(
                    names.add(b.name()),
                    "backbones",
                    "backbones with distinct names (each names its run folders)",
                    "\"" + b.name() + "\" twice");
        }
        InvalidFieldException.require(
                seeds >= 1, "seeds", "an integer >= 1 (3 or more to estimate uncertainty)", seeds);
        InvalidFieldException.require(macsInputSize >= 32, "macs_input_size", "an integer >= 32", macsInputSize);
    }

    /**
     * Whether a name can name a folder inside another: letters, digits, {@code . _ -}, and not
     * only dots ({@code .} and {@code ..} are the folder itself and its parent, where a comparison's
     * runs, and {@code --retrain}'s deletes, must never go).
     */
    static boolean isFolderName(String name) {
        return FolderNames.isPlain(name) && name.matches("[A-Za-z0-9._-]+");
    }

    /**
     * Reads a comparison file.
     *
     * @param file the JSON file
     * @param searchRoots more folders to look for relative paths and bare names in, after the
     *     usual ones (a tool passes the project folder it was installed from)
     * @return the resolved config
     * @throws org.cardinal.core.config.ConfigException naming the file and the field
     */
    public static ComparisonConfig load(Path file, Path... searchRoots) {
        return fromJson(JsonFiles.readObject(file), ConfigPath.root(file.toString()), searchRoots);
    }

    /**
     * Reads a comparison object (the form {@link ConfigBinder} calls).
     *
     * @param json the object
     * @param at where it sits (its source is the file relative paths start from)
     * @return the resolved config
     */
    public static ComparisonConfig fromJson(JsonElement json, ConfigPath at) {
        return fromJson(json, at, new Path[0]);
    }

    /**
     * Reads a comparison object; checks the base run config with the overrides merged in, so that
     * a typo there fails now and not after hours of training.
     *
     * @param json the object
     * @param at where it sits (its source is the file relative paths start from)
     * @param searchRoots more folders to look for relative paths and bare names in
     * @return the resolved config
     */
    public static ComparisonConfig fromJson(JsonElement json, ConfigPath at, Path... searchRoots) {
        Path source = Path.of(at.source()).getFileName();
        String fileName = source == null ? "comparison" : source.toString().replaceFirst("\\.json$", "");
        String name = ConfigBinder.field(json, "name", String.class, fileName, at);
        String baseSpec = ConfigBinder.field(json, "base", String.class, null, at);
        if (baseSpec == null) {
            throw at.field("base").missing("the path of the run config every backbone shares");
        }
        Path baseFile = ConfigFiles.locate(baseSpec, "detectors", at.field("base"), searchRoots);
        JsonObject overrides = ConfigBinder.field(json, "overrides", JsonObject.class, new JsonObject(), at);
        RunConfig baseRun = resolve(baseFile, overrides, at.field("overrides"));

        // paths as found, so that the resolved form names the files actually read
        JsonObject given = json.getAsJsonObject().deepCopy();
        given.addProperty("base", baseFile.toString());
        JsonElement pretrain = given.get("pretrain");
        if (pretrain != null
                && pretrain.isJsonObject()
                && pretrain.getAsJsonObject().has("recipe")
                && pretrain.getAsJsonObject().get("recipe").isJsonPrimitive()) {
            String recipe = pretrain.getAsJsonObject().get("recipe").getAsString();
            pretrain.getAsJsonObject()
                    .addProperty(
                            "recipe",
                            ConfigFiles.locate(
                                            recipe,
                                            "pretrain",
                                            at.field("pretrain").field("recipe"),
                                            searchRoots)
                                    .toString());
        }
        JsonObject d = new JsonObject();
        d.addProperty("name", name);
        d.addProperty("title", "Backbone comparison: " + name);
        d.add("overrides", new JsonObject());
        d.addProperty("seeds", DEFAULT_SEEDS);
        d.addProperty("macs_input_size", baseRun.model().minSize());
        d.add("pretrain", JsonNull.INSTANCE);
        return ConfigBinder.bind(given, ComparisonConfig.class, d, at);
    }

    /** @return the resolved form, which {@link #fromJson} reads back to an equal config */
    public JsonObject toJson() {
        return ConfigBinder.toJson(this);
    }

    /** @return a copy of the overrides */
    @Override
    public JsonObject overrides() {
        return overrides.deepCopy();
    }

    /**
     * The run config every backbone shares: the base file with the overrides merged in.
     *
     * @return the resolved run config (its backbone is the base's; each run replaces it)
     */
    public RunConfig baseRun() {
        return resolve(
                Path.of(base),
                overrides,
                ConfigPath.root("comparison '" + name + "' (" + base + " with its overrides)"));
    }

    /**
     * @param more merged into the overrides (the command line's --max-iter, --seed, --data, --device)
     * @return a copy with the merged overrides
     */
    public ComparisonConfig withOverrides(JsonObject more) {
        JsonObject o = overrides();
        merge(o, more);
        return new ComparisonConfig(name, title, base, o, backbones, seeds, macsInputSize, pretrain);
    }

    /**
     * @param n seeds per backbone
     * @return a copy with another number of seeds
     */
    public ComparisonConfig withSeeds(int n) {
        return new ComparisonConfig(name, title, base, overrides, backbones, n, macsInputSize, pretrain);
    }

    /**
     * @return the seeds of the comparison: the base run's seed, + 1, ... ({@link #seeds()} of them)
     */
    public long[] seedValues() {
        long first = baseRun().solver().seed();
        long[] out = new long[seeds];
        for (int k = 0; k < seeds; k++) {
            out[k] = first + k;
        }
        return out;
    }

    /** Deep merge: objects merge field by field, any other value replaces. */
    static void merge(JsonObject into, JsonObject from) {
        for (Map.Entry<String, JsonElement> e : from.entrySet()) {
            JsonElement old = into.get(e.getKey());
            if (old != null && old.isJsonObject() && e.getValue().isJsonObject()) {
                merge(old.getAsJsonObject(), e.getValue().getAsJsonObject());
            } else {
                into.add(e.getKey(), e.getValue().deepCopy());
            }
        }
    }

    /**
     * The base file with the overrides merged in. The base alone is checked first, so that an
     * error names the file it is in; what fails only after the merge is named under {@code at}.
     */
    static RunConfig resolve(Path baseFile, JsonObject overrides, ConfigPath at) {
        JsonObject baseJson = JsonFiles.readObject(baseFile);
        RunConfig plain = RunConfig.fromJson(baseJson, ConfigPath.root(baseFile.toString()));
        JsonObject merged = baseJson.deepCopy();
        merge(merged, overrides);
        JsonElement solverOverrides = overrides.get("solver");
        if (solverOverrides != null
                && solverOverrides.isJsonObject()
                && solverOverrides.getAsJsonObject().has("max_iter")) {
            Integer maxIter = ConfigBinder.field(solverOverrides, "max_iter", Integer.class, null, at.field("solver"));
            if (maxIter != null && maxIter > 0) {
                scaleSchedule(
                        merged.getAsJsonObject("solver"), solverOverrides.getAsJsonObject(), plain.solver(), maxIter);
            }
        }
        return RunConfig.fromJson(merged, at);
    }

    /** Keeps the base schedule's shape at another length: what the overrides do not set scales. */
    private static void scaleSchedule(JsonObject solver, JsonObject given, SolverConfig base, int maxIter) {
        double f = (double) maxIter / base.maxIter();
        if (!given.has("steps")) {
            List<Integer> steps = new ArrayList<>();
            for (int s : base.steps()) {
                int scaled = Math.max(1, (int) Math.round(s * f));
                // two steps that round together would be refused as not increasing: keep one
                if (steps.isEmpty() || scaled > steps.get(steps.size() - 1)) {
                    steps.add(scaled);
                }
            }
            com.google.gson.JsonArray a = new com.google.gson.JsonArray();
            steps.forEach(a::add);
            solver.add("steps", a);
        }
        if (!given.has("warmup_iters")) {
            solver.addProperty("warmup_iters", (int) Math.round(base.warmupIters() * f));
        }
        // periods round up, so that a shorter run never evaluates more often than the base does
        if (!given.has("eval_period") && base.evalPeriod() > 0) {
            solver.addProperty("eval_period", (int) Math.ceil(base.evalPeriod() * f));
        }
        if (!given.has("checkpoint_period")) {
            solver.addProperty("checkpoint_period", (int) Math.ceil(base.checkpointPeriod() * f));
        }
    }

    /** Where the relative paths of a comparison file are looked for (see the class comment). */
    static final class ConfigFiles {

        private ConfigFiles() {}

        /**
         * @param spec a path or a bare name
         * @param kind the folder of {@code configs/} a bare name is looked up in
         * @param at the field naming it
         * @param searchRoots more folders to look in, after the usual ones
         * @return the file as found
         */
        static Path locate(String spec, String kind, ConfigPath at, Path... searchRoots) {
            Path given = Path.of(spec);
            List<Path> tried = new ArrayList<>();
            if (given.isAbsolute()) {
                tried.add(given);
            } else {
                Path folder = Path.of(at.source()).toAbsolutePath().getParent();
                List<Path> roots = new ArrayList<>();
                roots.add(Path.of(""));
                if (folder != null) {
                    roots.add(folder);
                }
                Path project = projectFolder(folder);
                if (project != null) {
                    roots.add(project);
                }
                roots.addAll(List.of(searchRoots));
                for (Path root : roots) {
                    tried.add(root.resolve(given));
                }
                if (!spec.contains("/") && !spec.endsWith(".json")) {
                    for (Path root : roots) {
                        tried.add(root.resolve("configs").resolve(kind).resolve(spec + ".json"));
                    }
                }
            }
            for (Path p : tried) {
                if (Files.isRegularFile(p)) {
                    return p.normalize();
                }
            }
            throw at.invalid(
                    "a config file or a name in configs/" + kind + "/ (tried "
                            + String.join(
                                    ", ",
                                    tried.stream()
                                            .map(Path::toString)
                                            .distinct()
                                            .toList()) + ")",
                    "\"" + spec + "\"");
        }

        /** The folder that holds the nearest {@code configs/} folder above {@code folder}, if any. */
        private static Path projectFolder(Path folder) {
            for (Path p = folder; p != null; p = p.getParent()) {
                if (p.getFileName() != null && p.getFileName().toString().equals("configs")) {
                    return p.getParent();
                }
            }
            return null;
        }
    }
}
