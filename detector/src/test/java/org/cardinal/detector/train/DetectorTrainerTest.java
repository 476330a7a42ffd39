package org.cardinal.detector.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.train.MetricsLog;
import org.cardinal.core.train.NonFiniteLossException;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.data.RectangleScenes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetectorTrainerTest {

    @TempDir
    Path dir;

    @BeforeEach
    void data() throws IOException {
        RectangleScenes.write(
                dir.resolve("data/train"),
                dir.resolve("data/annotations/train.json"),
                RectangleScenes.twoClassScenes(5, 24),
                Map.of(1, "red", 2, "blue"));
        RectangleScenes.write(
                dir.resolve("data/val"),
                dir.resolve("data/annotations/val.json"),
                RectangleScenes.twoClassScenes(3, 24),
                Map.of(1, "red", 2, "blue"));
    }

    private RunConfig config(String solverJson) {
        JsonObject solver = JsonParser.parseString(solverJson).getAsJsonObject();
        solver.addProperty("device", "cpu");
        if (!solver.has("seed")) {
            solver.addProperty("seed", 7);
        }
        JsonObject data = JsonParser.parseString("{\"train_images\": \"train\","
                        + " \"train_annotations\": \"annotations/train.json\", \"val_images\": \"val\","
                        + " \"val_annotations\": \"annotations/val.json\", \"num_workers\": 2,"
                        + " \"prefetch_batches\": 3}")
                .getAsJsonObject();
        return new RunConfig(
                        "tiny",
                        DetectorConfig.defaults().withNumClasses(3),
                        SolverConfig.fromJson(solver, ConfigPath.root("test")),
                        DataConfig.fromJson(data, ConfigPath.root("test")))
                .withDataRoot(dir.resolve("data"));
    }

    private static TinyDetector model(NDManager m, long initSeed) {
        Engine.getInstance().setRandomSeed((int) initSeed);
        return new TinyDetector(m, 2);
    }

    private static Map<String, float[]> params(TinyDetector d) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : d.block().getParameters()) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    private static Map<String, float[]> trainable(TinyDetector d, Map<String, float[]> all) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : d.block().getParameters()) {
            if (p.getValue().requiresGradient()) {
                out.put(p.getKey(), all.get(p.getKey()));
            }
        }
        return out;
    }

    private static void assertSameParams(Map<String, float[]> a, Map<String, float[]> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k), b.get(k), 0f, k);
        }
    }

    private static Map<String, float[]> momentum(Path checkpoint) throws IOException {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            for (Map.Entry<String, NDArray> e :
                    Checkpoint.readOptimizer(checkpoint, m).entrySet()) {
                out.put(e.getKey(), e.getValue().toFloatArray());
            }
        }
        return out;
    }

    static final class Crash extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void resumeGivesExactlyTheStateOfAnUninterruptedRun() throws IOException {
        String solver = "{\"ims_per_batch\": 2, \"base_lr\": 0.05, \"max_iter\": 12, \"steps\": [5, 9],"
                + " \"warmup_iters\": 3, \"checkpoint_period\": 6, \"log_period\": 1}";
        RunConfig cfg = config(solver);
        Map<String, float[]> straight;
        Path straightDir = dir.resolve("straight");
        try (NDManager m = NDManager.newBaseManager()) {
            TinyDetector d = model(m, 1);
            TrainingSummary s = new DetectorTrainer(cfg, straightDir, d).train(false);
            assertEquals(12, s.iterations());
            straight = params(d);
        }
        Path resumedDir = dir.resolve("resumed");
        try (NDManager m = NDManager.newBaseManager()) {
            TinyDetector d = model(m, 1);
            DetectorTrainer t = new DetectorTrainer(cfg, resumedDir, d);
            t.addListener(new TrainingListener() {
                @Override
                public void onIteration(IterationMetrics it) {
                    if (it.iteration() == 8) {
                        throw new Crash(); // the process dies two iterations after a checkpoint
                    }
                }
            });
            assertThrows(Crash.class, () -> t.train(false));
        }
        Map<String, float[]> resumed;
        try (NDManager m = NDManager.newBaseManager()) {
            // a differently initialised model: everything must come from the checkpoint
            TinyDetector d = model(m, 99);
            List<Integer> seen = new ArrayList<>();
            DetectorTrainer t = new DetectorTrainer(cfg, resumedDir, d);
            t.addListener(new TrainingListener() {
                @Override
                public void onStart(RunConfig c, int start, int max) {
                    seen.add(start);
                }

                @Override
                public void onIteration(IterationMetrics it) {
                    seen.add(it.iteration());
                }
            });
            TrainingSummary s = t.train(true);
            assertEquals(6, s.iterationsThisRun());
            assertEquals(List.of(6, 7, 8, 9, 10, 11, 12), seen);
            resumed = params(d);
        }
        assertSameParams(straight, resumed);
        Path last = straightDir.resolve("checkpoints/iter_0000012");
        assertSameParams(momentum(last), momentum(resumedDir.resolve("checkpoints/iter_0000012")));
        assertEquals(
                Checkpoint.readState(last).lr(),
                Checkpoint.readState(resumedDir.resolve("checkpoints/iter_0000012"))
                        .lr());
        // the straight and the resumed metrics logs agree line by line on the losses (the lines
        // of iterations 7 and 8 that the crashed run wrote after its checkpoint are replaced)
        List<String> a = lossLines(straightDir);
        List<String> b = lossLines(resumedDir);
        assertEquals(a, b);
        assertEquals(12, a.size());
    }

    @Test
    void aResumeOnOtherDataIsRefusedNamingTheFieldWhileLoaderSettingsMayChange() throws IOException {
        RunConfig cfg = config("{\"ims_per_batch\": 2, \"max_iter\": 2, \"warmup_iters\": 0}");
        Path run = dir.resolve("run");
        assertTrue(DetectorTrainer.checkResumable(cfg, run).isEmpty(), "nothing to resume yet");
        try (NDManager m = NDManager.newBaseManager()) {
            new DetectorTrainer(cfg, run, model(m, 2)).train(false);
        }
        RunConfig elsewhere = cfg.withDataRoot(dir.resolve("other"));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> DetectorTrainer.checkResumable(elsewhere, run));
        assertTrue(
                e.getMessage().contains("field 'data.root'") && e.getMessage().contains("other"), e.getMessage());
        DataConfig d = cfg.data();
        RunConfig fewerThreads = new RunConfig(
                cfg.name(),
                cfg.model(),
                cfg.solver(),
                new DataConfig(
                        d.root(),
                        d.trainImages(),
                        d.trainAnnotations(),
                        d.valImages(),
                        d.valAnnotations(),
                        d.flipProb(),
                        d.keepEmptyImages(),
                        1,
                        1));
        assertEquals(
                run.resolve("checkpoints/iter_0000002"),
                DetectorTrainer.checkResumable(fewerThreads, run).orElseThrow());
    }

    private static List<String> lossLines(Path run) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve(MetricsLog.FILE))) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            if (o.get("type").getAsString().equals("train")) {
                out.add(o.get("iteration") + " " + o.get("loss") + " " + o.get("lr"));
            }
        }
        return out;
    }

    @Test
    void writesRunFolderCheckpointsMetricsAndEvaluates() throws IOException {
        RunConfig cfg = config("{\"ims_per_batch\": 2, \"base_lr\": 0.02, \"max_iter\": 6,"
                + " \"warmup_iters\": 2, \"checkpoint_period\": 4, \"eval_period\": 3, \"log_period\": 2}");
        Path run = dir.resolve("run");
        List<EvalResult> evals = new ArrayList<>();
        List<IterationMetrics> its = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            TinyDetector d = model(m, 3);
            TrainingSummary s = new DetectorTrainer(cfg, run, d)
                    .addListener(new TrainingListener() {
                        @Override
                        public void onEvaluation(EvalResult r) {
                            evals.add(r);
                        }

                        @Override
                        public void onIteration(IterationMetrics it) {
                            its.add(it);
                        }
                    })
                    .train(false);
            assertNotNull(s.finalEval());
            assertEquals(run.resolve("checkpoints/iter_0000006"), s.lastCheckpoint());
        }
        assertEquals(RunConfig.load(run.resolve("config.json")).toJson(), cfg.toJson());
        assertTrue(Files.isDirectory(run.resolve("checkpoints/iter_0000004")));
        assertTrue(Files.isDirectory(run.resolve("checkpoints/iter_0000006")));
        assertEquals(
                "iter_0000006",
                Files.readString(run.resolve("checkpoints/last")).trim());
        try (var files = Files.list(run.resolve("checkpoints"))) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains("tmp")));
        }
        assertEquals(List.of(3, 6), evals.stream().map(EvalResult::iteration).toList());
        assertEquals(12, evals.get(1).stats().length);
        assertEquals(3, evals.get(1).numImages());
        assertEquals(6, its.size());
        IterationMetrics first = its.get(0);
        assertEquals(0.02 * 0.001, first.lr(), 1e-9); // warmup starts at warmup_factor
        assertEquals(List.of("loss_box", "loss_cls"), List.copyOf(first.losses().keySet()));
        assertTrue(first.imagesPerSecond() > 0);
        List<String> lines = Files.readAllLines(run.resolve(MetricsLog.FILE));
        long train =
                lines.stream().filter(l -> l.contains("\"type\":\"train\"")).count();
        long eval = lines.stream().filter(l -> l.contains("\"type\":\"eval\"")).count();
        assertEquals(3, train); // iterations 2, 4, 6
        assertEquals(2, eval);
        assertTrue(lines.get(lines.size() - 1).contains("\"AP50\""));
        assertFalse(ConsoleProgressListener.format(first).isEmpty());
    }

    @Test
    void nonFiniteLossStopsAndKeepsTheLastGoodCheckpoint() throws IOException {
        RunConfig cfg = config("{\"ims_per_batch\": 2, \"max_iter\": 10, \"base_lr\": 0.01,"
                + " \"checkpoint_period\": 3, \"warmup_iters\": 0}");
        Path run = dir.resolve("nan");
        try (NDManager m = NDManager.newBaseManager()) {
            TinyDetector d = model(m, 5);
            d.nanAtCall = 5;
            DetectorTrainer t = new DetectorTrainer(cfg, run, d);
            List<Map<String, float[]>> afterIteration4 = new ArrayList<>();
            t.addListener(new TrainingListener() {
                @Override
                public void onIteration(IterationMetrics it) {
                    if (it.iteration() == 4) {
                        afterIteration4.add(params(d));
                    }
                }
            });
            NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> t.train(false));
            assertEquals(5, e.iteration());
            assertTrue(
                    e.getMessage().contains("loss_box")
                            && e.getMessage().contains("NaN")
                            && e.getMessage().contains("iter_0000003"),
                    e.getMessage());
            // the NaN gradients were never applied (running statistics are not trained: the
            // forward pass of the failed iteration updated them, as any forward pass does)
            Map<String, float[]> now = trainable(d, params(d));
            assertSameParams(trainable(d, afterIteration4.get(0)), now);
            for (float[] v : params(d).values()) {
                for (float x : v) {
                    assertTrue(Float.isFinite(x));
                }
            }
        }
        assertEquals(
                "iter_0000003",
                Files.readString(run.resolve("checkpoints/last")).trim());
        assertFalse(Files.exists(run.resolve("checkpoints/iter_0000006")));
        try (NDManager m = NDManager.newBaseManager()) {
            TinyDetector d = model(m, 8);
            Checkpoint.loadParameters(d.block(), run.resolve("checkpoints/iter_0000003"));
            assertEquals(
                    3,
                    Checkpoint.readState(run.resolve("checkpoints/iter_0000003"))
                            .iteration());
        }
    }

    @Test
    void aFiniteLossWithNonFiniteGradientsStopsBeforeTheUpdate() throws IOException {
        RunConfig cfg = config("{\"ims_per_batch\": 2, \"max_iter\": 10, \"base_lr\": 0.01,"
                + " \"checkpoint_period\": 2, \"warmup_iters\": 0, \"clip_grad_norm\": 0}");
        Path run = dir.resolve("nan-gradient");
        try (NDManager m = NDManager.newBaseManager()) {
            TinyDetector d = model(m, 5);
            d.nanGradientAtCall = 3;
            DetectorTrainer t = new DetectorTrainer(cfg, run, d);
            List<Map<String, float[]>> afterIteration2 = new ArrayList<>();
            t.addListener(new TrainingListener() {
                @Override
                public void onIteration(IterationMetrics it) {
                    if (it.iteration() == 2) {
                        afterIteration2.add(trainable(d, params(d)));
                    }
                }
            });
            NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> t.train(false));
            assertEquals(3, e.iteration());
            assertTrue(
                    e.getMessage().startsWith("gradient norm is NaN at iteration 3")
                            && e.getMessage().contains("iter_0000002"),
                    e.getMessage());
            assertSameParams(afterIteration2.get(0), trainable(d, params(d)));
        }
    }

    @Test
    void gradientClippingBoundsTheFirstStep() throws IOException {
        // wd 0, first step: buf = clipped g, so |w1 - w0| = lr * |clipped g| <= lr * clip
        RunConfig cfg = config("{\"ims_per_batch\": 2, \"max_iter\": 1, \"base_lr\": 0.1,"
                + " \"warmup_iters\": 0, \"weight_decay\": 0, \"clip_grad_norm\": 0.001}");
        try (NDManager m = NDManager.newBaseManager()) {
            TinyDetector d = model(m, 4);
            Map<String, float[]> before = params(d);
            new DetectorTrainer(cfg, dir.resolve("clip"), d).train(false);
            Map<String, float[]> after = params(d);
            double sq = 0;
            for (Pair<String, Parameter> p : d.block().getParameters()) {
                if (!p.getValue().requiresGradient()) {
                    continue;
                }
                float[] a = before.get(p.getKey());
                float[] b = after.get(p.getKey());
                for (int i = 0; i < a.length; i++) {
                    sq += (double) (b[i] - a[i]) * (b[i] - a[i]);
                }
            }
            double stepNorm = Math.sqrt(sq);
            assertTrue(stepNorm <= 0.1 * 0.001 * 1.001, "step " + stepNorm);
            assertTrue(stepNorm >= 0.1 * 0.001 * 0.99, "clipped to exactly the bound: " + stepNorm);
        }
    }

    @Test
    void detectionsOfClassesBeyondTheDatasetsAreNotScored() throws IOException {
        // num_classes 7 for a 2-category dataset (spare outputs, as a COCO-sized head would have)
        RunConfig cfg = config("{\"ims_per_batch\": 2, \"max_iter\": 1}")
                .withModel(DetectorConfig.defaults().withNumClasses(7));
        List<EvalResult> evals = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            TinyDetector d = model(m, 4);
            d.detectedLabelOffset = 4; // labels 5..6: no category of the dataset
            new DetectorTrainer(cfg, dir.resolve("spare"), d)
                    .addListener(new TrainingListener() {
                        @Override
                        public void onEvaluation(EvalResult r) {
                            evals.add(r);
                        }
                    })
                    .train(false);
        }
        assertEquals(1, evals.size());
        assertEquals(3, evals.get(0).numImages());
        assertEquals(0, evals.get(0).numDetections());
    }

    @Test
    void tooFewClassesInTheModelIsAClearError() {
        RunConfig cfg = config("{\"ims_per_batch\": 2, \"max_iter\": 1}")
                .withModel(DetectorConfig.defaults().withNumClasses(2));
        try (NDManager m = NDManager.newBaseManager()) {
            TinyDetector d = model(m, 4);
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> new DetectorTrainer(cfg, dir.resolve("x"), d, new Device[] {Device.cpu()}).train(false));
            assertTrue(e.getMessage().contains("num_classes") && e.getMessage().contains("train.json"), e.getMessage());
        }
    }
}
