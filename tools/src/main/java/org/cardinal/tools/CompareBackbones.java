package org.cardinal.tools;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cardinal.backbone.BackboneConfig;
import org.cardinal.backbone.Complexity;
import org.cardinal.backbone.JsonObjects;
import org.cardinal.detector.report.ComparisonReport;
import org.cardinal.detector.report.TrainingHistory;
import org.cardinal.detector.train.DeviceSelection;
import org.cardinal.detector.train.EvalResult;
import org.cardinal.detector.train.RunConfig;

/**
 * {@code tools/compare-backbones}: trains the same detector with two or more backbones under an
 * identical schedule and seed, evaluates each and writes a report like the paper's table
 * ({@code report.md}, self-contained {@code report.html}). A backbone whose run folder already
 * holds a finished result is loaded, not retrained; an interrupted one is resumed.
 *
 * <p>Comparison config ({@code configs/compare/*.json}):
 * <pre>
 * { "name": "...", "title": "...",
 *   "base": "configs/detectors/X.json",          run config every backbone shares
 *   "overrides": { "solver": { ... } },          optional, merged into the base
 *   "backbones": ["resnet50", { inline backbone config }, ...],
 *   "macs_input_size": 224 }                     input side for the GMACs column
 * </pre>
 */
public final class CompareBackbones {

    static final String DEFAULT_CONFIG = "demo_resnet_vs_resnext";

    static final String USAGE = String.join("\n",
            "usage: tools/compare-backbones [--config configs/compare/NAME.json | NAME] [--output DIR]",
            "                               [--data DIR] [--device cpu|gpu] [--max-iter N] [--retrain]",
            "Trains the same Faster R-CNN with each backbone of the config (same schedule and seed),",
            "evaluates each and writes DIR/report.md and DIR/report.html (table like the paper's, per-",
            "category AP, loss and AP curves, the paper's numbers). Default config " + DEFAULT_CONFIG + ":",
            "small ResNet vs ResNeXt backbones on the embedded synthetic dataset.",
            "  --output   report folder (default runs/compare/<name>); each backbone trains in DIR/<backbone>",
            "  --retrain  train again even where a finished run exists");

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private CompareBackbones() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(USAGE, argv, args -> run(args, System.out, System.err));
    }

    static Path run(Args args, PrintStream out, PrintStream err) throws Exception {
        String spec = args.string("--config", DEFAULT_CONFIG);
        Path output = args.path("--output");
        Path data = args.path("--data");
        String device = args.string("--device", null);
        int maxIter = args.integer("--max-iter", 0);
        boolean retrain = args.flag("--retrain");
        args.finish();

        Path configFile = ProjectFiles.config(spec, "compare");
        JsonObject compare = parse(configFile);
        String name = string(compare, "name", configFile, configFile.getFileName().toString().replace(".json", ""));
        String title = string(compare, "title", configFile, "Backbone comparison: " + name);
        int macsSize = compare.has("macs_input_size") ? compare.get("macs_input_size").getAsInt() : 224;
        if (!compare.has("base")) {
            throw new IllegalArgumentException(configFile + ": field 'base': expected the path of a run config");
        }
        Path baseFile = ProjectFiles.config(compare.get("base").getAsString(), "detectors");
        JsonObject base = parse(baseFile);
        if (compare.has("overrides")) {
            merge(base, compare.getAsJsonObject("overrides"));
        }
        if (!compare.has("backbones") || !compare.get("backbones").isJsonArray()
                || compare.getAsJsonArray("backbones").size() < 2) {
            throw new IllegalArgumentException(configFile + ": field 'backbones': expected at least two backbone names "
                    + "or objects");
        }
        Path outDir = output != null ? output : Path.of("runs", "compare", name);
        Files.createDirectories(outDir);

        // every backbone and run config is checked before anything trains: a typo in the last one
        // must not surface after hours of training the first
        List<BackboneConfig> backbones = new ArrayList<>();
        List<RunConfig> configs = new ArrayList<>();
        for (JsonElement b : compare.getAsJsonArray("backbones")) {
            JsonObject runJson = base.deepCopy();
            runJson.getAsJsonObject("model").add("backbone", b);
            BackboneConfig backbone = backbone(b, configFile);
            runJson.addProperty("name", string(base, "name", baseFile, "detector") + "_" + backbone.name());
            RunConfig cfg = RunConfig.fromJson(runJson, configFile + " (backbone " + backbone.name() + ")");
            if (maxIter > 0) {
                cfg = cfg.withSolver(cfg.solver().withMaxIter(maxIter));
            }
            backbones.add(backbone);
            configs.add(cfg);
        }
        List<ComparisonReport.Entry> entries = new ArrayList<>();
        RunConfig first = null;
        for (int k = 0; k < backbones.size(); k++) {
            BackboneConfig backbone = backbones.get(k);
            RunConfig cfg = DetectorTraining.prepare(configs.get(k), data, device, err);
            first = first == null ? cfg : first;
            Path runDir = outDir.resolve(backbone.name());
            Path resultFile = runDir.resolve("result.json");
            JsonObject result;
            if (!retrain && Files.isRegularFile(resultFile)
                    && parse(runDir.resolve("config.json")).equals(cfg.toJson())) {
                out.printf(Locale.ROOT, "%s: finished run found in %s, loading its result%n", backbone.name(), runDir);
                result = parse(resultFile);
            } else {
                boolean resume = !retrain && DetectorTraining.latestCheckpoint(runDir).isPresent();
                if (retrain && Files.exists(runDir)) {
                    deleteCheckpoints(runDir);
                }
                out.printf(Locale.ROOT, "%s: %s in %s%n", backbone.name(), resume ? "resuming" : "training", runDir);
                DetectorTraining.Result r = DetectorTraining.train(cfg, runDir, resume, err);
                result = result(backbone, macsSize, r);
                write(resultFile, GSON.toJson(result));
            }
            entries.add(entry(backbone, result, TrainingHistory.read(runDir.resolve("metrics.jsonl"))));
            out.printf(Locale.ROOT, "%s: AP50 %.1f  AP %.1f%n", backbone.name(),
                    100 * entries.get(entries.size() - 1).stats()[1], 100 * entries.get(entries.size() - 1).stats()[0]);
        }
        RunConfig c = first;
        String dataset = c.data().trainAnnotationsPath() + " -> " + c.data().valAnnotationsPath();
        String schedule = String.format(Locale.ROOT, "Faster R-CNN %s, %d iterations x %d images, base lr %s, steps %s, "
                        + "warmup %d, weight decay %s, seed %d, input min %d / max %d",
                c.model().variant().toUpperCase(Locale.ROOT), c.solver().maxIter(), c.solver().imsPerBatch(),
                plain(c.solver().baseLr()), Arrays.toString(c.solver().steps()), c.solver().warmupIters(),
                plain(c.solver().weightDecay()), c.solver().seed(), c.model().minSize(), c.model().maxSize());
        String devices = describe(DeviceSelection.resolve(c.solver().device()));
        Path html = ComparisonReport.write(outDir, new ComparisonReport.Setup(title, dataset, schedule, devices, macsSize),
                entries);
        out.println("report: " + html + " (and report.md, loss.png, ap.png)");
        return html;
    }

    private static String plain(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** "CPU (2 cores)" or "2 GPUs (gpu(0), gpu(1))". */
    private static String describe(ai.djl.Device[] devices) {
        if (devices.length == 1 && !devices[0].isGpu()) {
            return "CPU (" + Runtime.getRuntime().availableProcessors() + " cores)";
        }
        return devices.length + (devices.length == 1 ? " GPU " : " GPUs ") + Arrays.toString(devices);
    }

    private static JsonObject result(BackboneConfig backbone, int macsSize, DetectorTraining.Result r) {
        Complexity cx = Complexity.of(backbone, macsSize, macsSize, false);
        JsonObject o = new JsonObject();
        o.addProperty("backbone", backbone.name());
        o.addProperty("params", cx.params());
        o.addProperty("gmacs", cx.macs() / 1e9);
        o.addProperty("detector_params", r.detectorParams());
        EvalResult e = r.summary().finalEval();
        o.add("stats", GSON.toJsonTree(e == null ? new double[12] : e.stats()));
        JsonObject perCat = new JsonObject();
        if (e != null) {
            for (Map.Entry<Integer, Double> pc : e.perCategoryAp().entrySet()) {
                perCat.addProperty(r.categoryNames().getOrDefault(pc.getKey(), String.valueOf(pc.getKey())), pc.getValue());
            }
        }
        o.add("per_category_ap", perCat);
        o.addProperty("train_seconds", r.summary().seconds());
        o.addProperty("images_per_s", r.summary().imagesPerSecond());
        o.addProperty("iterations", r.summary().iterations());
        return o;
    }

    private static ComparisonReport.Entry entry(BackboneConfig b, JsonObject r, TrainingHistory log) {
        double[] stats = GSON.fromJson(r.get("stats"), double[].class);
        Map<String, Double> perCat = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : r.getAsJsonObject("per_category_ap").entrySet()) {
            perCat.put(e.getKey(), e.getValue().getAsDouble());
        }
        String shape = String.format(Locale.ROOT, "%s %s, %dx%dd", b.block(), Arrays.toString(b.layers()),
                b.cardinality(), b.bottleneckWidth());
        return new ComparisonReport.Entry(b.name(), shape, r.get("params").getAsLong(), r.get("gmacs").getAsDouble(),
                r.get("detector_params").getAsLong(), stats, perCat, r.get("train_seconds").getAsDouble(),
                r.get("images_per_s").getAsDouble(), log);
    }

    private static BackboneConfig backbone(JsonElement b, Path file) {
        if (b.isJsonPrimitive()) {
            return BackboneConfig.named(b.getAsString());
        }
        if (!b.isJsonObject()) {
            throw new IllegalArgumentException(file + ": field 'backbones': expected names or objects, found " + b);
        }
        return BackboneConfig.parse(new java.io.StringReader(b.toString()), file.toString(), "backbone");
    }

    /** Deep merge: objects merge key by key, anything else replaces. */
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

    private static JsonObject parse(Path file) throws java.io.IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        return JsonObjects.read(file);
    }

    private static String string(JsonObject o, String field, Path file, String fallback) {
        if (!o.has(field)) {
            return fallback;
        }
        JsonElement e = o.get(field);
        if (!e.isJsonPrimitive()) {
            throw new IllegalArgumentException(file + ": field '" + field + "': expected a string, found " + e);
        }
        return e.getAsString();
    }

    private static void deleteCheckpoints(Path runDir) throws java.io.IOException {
        for (String f : List.of("checkpoints", "model")) {
            Path p = runDir.resolve(f);
            if (Files.exists(p)) {
                try (var walk = Files.walk(p)) {
                    for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(x);
                    }
                }
            }
        }
        Files.deleteIfExists(runDir.resolve("metrics.jsonl"));
        Files.deleteIfExists(runDir.resolve("result.json"));
    }

    private static void write(Path file, String text) throws java.io.IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
        Files.writeString(tmp, text + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
