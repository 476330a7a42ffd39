package org.cardinal.detector.compare;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.cardinal.backbone.pretrain.ImageFolderDataset;
import org.cardinal.backbone.pretrain.PretrainConfig;
import org.cardinal.backbone.pretrain.PretrainTrainer;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.core.io.AtomicFiles;
import org.cardinal.core.train.MetricsLog;
import org.cardinal.core.train.StopRequest;
import org.cardinal.core.train.StoppedException;
import org.cardinal.detector.train.DataConfig;
import org.cardinal.detector.train.DeviceSelection;
import org.cardinal.detector.train.EvalResult;
import org.cardinal.detector.train.IterationMetrics;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.train.SolverConfig;
import org.cardinal.detector.train.TrainingListener;
import org.cardinal.detector.train.TrainingRun;

/**
 * How long what is left of a comparison will take on this machine as it is loaded now: measured,
 * not guessed. For each backbone with runs still to do, a probe trains a few iterations of one of
 * its runs in a scratch folder (through the same {@link TrainingRun} as the real runs, so model
 * building, data loading, checkpointing and packaging are in it) and evaluates a few val images.
 * From the probes: the steady time per iteration of each backbone (after two warm-up
 * iterations), the evaluation time per image, and the fixed time of a run (what is neither: model,
 * data, warm-up, checkpoints, packaging; the smallest over the probes, since the first one also
 * warms the JVM and the engine up, once for the whole comparison). Each remaining run then costs
 * the fixed time, its remaining iterations, and its evaluations (every {@code eval_period} and at
 * the end) over the whole val split. Finished runs cost nothing; a run that resumes counts only
 * the iterations after its checkpoint. With several runs at a time ({@link
 * Comparison#setRunsAtATime}) the runs go, in order, to whichever slot frees first, and the
 * estimate is the busiest slot's total; the probes run one at a time, so the slowdown that runs
 * training side by side cause each other (shared memory bandwidth and caches) is not in it. The
 * probes themselves take a few seconds per backbone.
 *
 * <p>Pretraining, when the comparison has it, is probed the same way (a few optimizer steps)
 * and counted for every pretraining still to do; its per-epoch validation passes are counted at a
 * third of a training step per batch, since a forward pass is about a third of a training step's
 * work.
 *
 * <p>The comparison's {@link Comparison#setStopRequest stop request} ends the measure within an
 * iteration of a probe, with a {@link StoppedException}: an estimate has nothing to save.
 *
 * @param seconds the estimated wall time of what is left
 * @param runsToDo runs not finished yet
 * @param runsAtATime how many of them train at the same time
 * @param secondsPerIteration measured training time per iteration, by backbone
 * @param evalSecondsPerImage measured evaluation time per val image (slowest backbone)
 * @param pretrainSeconds the part of {@code seconds} spent pretraining
 */
public record TimeEstimate(
        double seconds,
        int runsToDo,
        int runsAtATime,
        Map<String, Double> secondsPerIteration,
        double evalSecondsPerImage,
        double pretrainSeconds) {

    /** Iterations (or optimizer steps) a probe trains. */
    static final int PROBE_ITERATIONS = 6;
    /** Iterations a probe leaves out of the steady time: the engine and the JIT warm up in them. */
    private static final int WARMUP_ITERATIONS = 2;
    /** Val images a probe evaluates. */
    private static final int PROBE_IMAGES = 8;
    /** What a stop cuts short. */
    private static final String DURING =
            "while measuring the speed of each backbone for the time estimate (nothing trained yet)";

    /** Copies the map, keeping its order. */
    public TimeEstimate {
        secondsPerIteration = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(secondsPerIteration));
    }

    /**
     * Probes each backbone with runs to do and adds up what is left.
     *
     * @param comparison the comparison
     * @param retrain whether finished runs will be trained again
     * @return the estimate (zero when nothing is left)
     * @throws IOException if the scratch folders cannot be written
     * @throws StoppedException when the comparison's stop request is asked for before the end
     */
    public static TimeEstimate measure(Comparison comparison, boolean retrain) throws IOException {
        StopRequest stop = comparison.stopRequest();
        comparison.prepareData();
        List<Comparison.Run> todo = new ArrayList<>();
        Map<Comparison.Run, Integer> start = new LinkedHashMap<>();
        for (Comparison.Run r : comparison.runs()) {
            Comparison.Status s = retrain ? Comparison.Status.TODO : comparison.status(r);
            if (s != Comparison.Status.FINISHED) {
                todo.add(r);
                start.put(r, Comparison.startIteration(r, s));
            }
        }
        if (todo.isEmpty()) {
            return new TimeEstimate(0, 0, comparison.runsAtATime(), Map.of(), 0, 0);
        }
        Files.createDirectories(comparison.dir());
        DataConfig data = todo.get(0).config().data();
        JsonObject val = JsonFiles.readObject(data.valAnnotationsPath());
        int valImages = val.getAsJsonArray("images").size();
        Map<String, Probe> probes = new LinkedHashMap<>();
        for (Comparison.Run r : todo) {
            if (!probes.containsKey(r.backbone().name())) {
                probes.put(r.backbone().name(), probe(comparison.dir(), r.config(), val, stop));
            }
        }
        // building the model, loading data, packaging: the same for every backbone; the first probe
        // also warms the JVM and the engine up, which the comparison's runs will find done
        double fixed =
                probes.values().stream().mapToDouble(Probe::fixedSeconds).min().orElse(0);
        double pretrain = 0;
        Set<Path> pretrainings = new HashSet<>();
        // the runs go, in order, to whichever of the comparison's parallel slots frees first
        double[] slots = new double[comparison.runsAtATime()];
        for (Comparison.Run r : todo) {
            Probe p = probes.get(r.backbone().name());
            SolverConfig s = r.config().solver();
            int from = start.get(r);
            int evals = 0;
            for (int it = from + 1; it <= s.maxIter(); it++) {
                evals += s.evaluatesAfter(it) ? 1 : 0;
            }
            int next = 0;
            for (int k = 1; k < slots.length; k++) {
                next = slots[k] < slots[next] ? k : next;
            }
            slots[next] += fixed
                    + Math.max(0, s.maxIter() - from) * p.secondsPerIteration()
                    + evals * valImages * p.evalSecondsPerImage();
            Pretraining pre = comparison.config().pretrain();
            if (pre != null && r.config().backboneWeights() != null) {
                Path weights = Path.of(r.config().backboneWeights());
                if ((retrain || !Files.isRegularFile(weights)) && pretrainings.add(weights)) {
                    pretrain += pretrainSeconds(comparison, pre.recipeFor(r.backbone(), r.seed()), r.config(), stop);
                }
            }
        }
        Map<String, Double> perIteration = new LinkedHashMap<>();
        double evalPerImage = 0;
        for (Map.Entry<String, Probe> e : probes.entrySet()) {
            perIteration.put(e.getKey(), e.getValue().secondsPerIteration());
            evalPerImage = Math.max(evalPerImage, e.getValue().evalSecondsPerImage());
        }
        double total = Arrays.stream(slots).max().orElse(0);
        return new TimeEstimate(
                total + pretrain, todo.size(), comparison.runsAtATime(), perIteration, evalPerImage, pretrain);
    }

    /** @return one line for the console, e.g. "about 24m10s for 6 runs (...)" */
    public String describe() {
        if (runsToDo == 0) {
            return "nothing to train: every run has finished";
        }
        StringBuilder b = new StringBuilder();
        secondsPerIteration.forEach((k, v) ->
                b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.2f s/iteration", k, v)));
        return String.format(
                Locale.ROOT,
                "about %s for %d run%s still to do%s (measured now on this machine, one run alone: %s, evaluation"
                        + " %.3f s/image%s)",
                ComparisonReport.duration(seconds),
                runsToDo,
                runsToDo == 1 ? "" : "s",
                runsAtATime > 1 && runsToDo > 1 ? ", " + runsAtATime + " at a time" : "",
                b,
                evalSecondsPerImage,
                pretrainSeconds > 0 ? "; pretraining about " + ComparisonReport.duration(pretrainSeconds) : "");
    }

    /** What a probe measured. */
    private record Probe(double secondsPerIteration, double evalSecondsPerImage, double fixedSeconds) {}

    private static Probe probe(Path dir, RunConfig run, JsonObject val, StopRequest stop) throws IOException {
        stop.throwIfRequested(DURING);
        Path scratch = Files.createTempDirectory(dir, ".probe-");
        try {
            Path subset = scratch.resolve("val_subset.json");
            AtomicFiles.writeString(subset, valSubset(val, PROBE_IMAGES).toString());
            JsonObject solver = run.solver().toJson();
            solver.addProperty("max_iter", PROBE_ITERATIONS);
            solver.addProperty("eval_period", 0);
            solver.addProperty("checkpoint_period", PROBE_ITERATIONS);
            solver.addProperty("log_period", 1);
            DataConfig d = run.data();
            DataConfig data = new DataConfig(
                    d.root(),
                    d.trainImages(),
                    d.trainAnnotations(),
                    d.valImages(),
                    subset.toAbsolutePath().toString(),
                    d.flipProb(),
                    d.keepEmptyImages(),
                    d.numWorkers(),
                    d.prefetchBatches());
            // random weights run as fast as pretrained ones, and the pretrained ones may not exist yet
            RunConfig probe = new RunConfig(
                    "probe", run.model(), SolverConfig.fromJson(solver, ConfigPath.root("probe")), data, null, null);
            List<Long> ends = new ArrayList<>();
            EvalResult[] eval = new EvalResult[1];
            long t0 = System.nanoTime();
            new TrainingRun(probe, scratch.resolve("run"))
                    .setStopRequest(stop)
                    .setLog(new PrintStream(OutputStream.nullOutputStream()))
                    .addListener(new TrainingListener() {
                        @Override
                        public void onIteration(IterationMetrics m) {
                            ends.add(System.nanoTime());
                        }

                        @Override
                        public void onEvaluation(EvalResult r) {
                            eval[0] = r;
                        }
                    })
                    .train(false);
            stop.throwIfRequested(DURING);
            double wall = (System.nanoTime() - t0) / 1e9;
            int steady = ends.size() - WARMUP_ITERATIONS;
            double perIteration = (ends.get(ends.size() - 1) - ends.get(WARMUP_ITERATIONS - 1)) / 1e9 / steady;
            double evalSeconds = eval[0] == null ? 0 : eval[0].seconds();
            double perImage = eval[0] == null ? 0 : evalSeconds / Math.max(1, eval[0].numImages());
            // what is neither a steady iteration nor evaluation: model, data, warm-up, checkpoint, packaging
            double fixed = Math.max(0, wall - evalSeconds - ends.size() * perIteration);
            return new Probe(perIteration, perImage, fixed);
        } finally {
            AtomicFiles.deleteTree(scratch);
        }
    }

    /** The first {@code n} images of a COCO instances file with their annotations. */
    private static JsonObject valSubset(JsonObject val, int n) {
        JsonObject out = val.deepCopy();
        JsonArray images = new JsonArray();
        Set<Long> ids = new HashSet<>();
        for (JsonElement im : val.getAsJsonArray("images")) {
            if (images.size() == n) {
                break;
            }
            images.add(im);
            ids.add(im.getAsJsonObject().get("id").getAsLong());
        }
        JsonArray anns = new JsonArray();
        if (val.has("annotations")) {
            for (JsonElement a : val.getAsJsonArray("annotations")) {
                if (ids.contains(a.getAsJsonObject().get("image_id").getAsLong())) {
                    anns.add(a);
                }
            }
        }
        out.add("images", images);
        out.add("annotations", anns);
        return out;
    }

    private static double pretrainSeconds(Comparison comparison, PretrainConfig recipe, RunConfig run, StopRequest stop)
            throws IOException {
        stop.throwIfRequested(DURING);
        Pretraining pre = comparison.config().pretrain();
        Path images = pre.imagesFolder(recipe, comparison.dir());
        Path scratch = Files.createTempDirectory(comparison.dir(), ".probe-");
        try {
            JsonObject j = recipe.toJson();
            j.addProperty("log_period", 1);
            PretrainConfig probe = PretrainConfig.fromJson(j, ConfigPath.root("probe"));
            new PretrainTrainer(
                            probe,
                            images,
                            scratch,
                            DeviceSelection.resolve(run.solver().device())[0],
                            line -> {})
                    .optProgressBar(false)
                    .optStopAfterSteps(PROBE_ITERATIONS)
                    .optStopRequest(stop)
                    .run(false);
            stop.throwIfRequested(DURING);
            List<JsonObject> log = MetricsLog.read(scratch.resolve(MetricsLog.FILE));
            double perImage = 0;
            int n = 0;
            for (JsonObject rec : log) {
                // the first steps warm the engine up: steady steps only
                if (rec.get("type").getAsString().equals("train")
                        && rec.get("step").getAsLong() > WARMUP_ITERATIONS) {
                    perImage += 1 / rec.get("images_per_s").getAsDouble();
                    n++;
                }
            }
            double perStep = n == 0 ? 0 : perImage / n * recipe.imsPerBatch();
            int train = ImageFolderDataset.open(images.resolve("train")).size();
            int val = Files.isDirectory(images.resolve("val"))
                    ? ImageFolderDataset.open(images.resolve("val")).size()
                    : 0;
            double steps = (double) recipe.epochs() * (train / recipe.imsPerBatch());
            double valBatches =
                    Math.ceil((double) val / recipe.imsPerBatch()) * recipe.epochs() / recipe.evalEveryEpochs();
            return perStep * (steps + valBatches / 3);
        } finally {
            AtomicFiles.deleteTree(scratch);
        }
    }
}
