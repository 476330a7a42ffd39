package org.cardinal.detector.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.core.train.MetricsLog;
import org.cardinal.core.train.MomentumSgd;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.FasterRcnnFactory;
import org.cardinal.detector.data.DetectionSample;
import org.cardinal.detector.data.RectangleScenes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training with two replicas, on the CPU (two replicas may share a device): one
 * step on a batch of 4 split 2 + 2, and split 3 + 1, gives the parameters of one step on the whole
 * batch on one replica, because every image samples from its own seed and every replica's loss is
 * weighted by its share of the images; and after the step every replica holds the same weights.
 */
class DataParallelTest {

    /** A tiny Faster R-CNN whose samplers always fill their quota, so every image weighs the same. */
    private static final String MODEL = """
            {"backbone": "resnet_tiny", "num_classes": 3, "min_size": 64, "max_size": 64,
             "trainable_backbone_layers": 5, "fpn_channels": 16, "representation_size": 32,
             "anchor_sizes": [[16], [32], [64], [128], [256]],
             "rpn_pre_nms_top_n_train": 200, "rpn_post_nms_top_n_train": 100, "rpn_batch_size_per_image": 64,
             "box_batch_size_per_image": 16}""";

    /** Largest difference allowed: float32 sums over a different grouping of the same terms. */
    private static final float TOLERANCE = 2e-5f;

    /**
     * The step under constant garbage collection gives exactly the parameters of a quiet run: no
     * tensor that the backward pass reads lives in memory the collector can free (see {@code
     * Scalars}: DJL's scalar overloads break this on the CPU, and did here).
     */
    @Test
    void stepIsUnaffectedByGarbageCollection() {
        Map<String, float[]> quiet = step(new int[] {2, 2}, 2);
        Thread gc = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
            }
        });
        gc.setDaemon(true);
        gc.start();
        try {
            for (int i = 0; i < 3; i++) {
                assertEquals(0f, maxDifference(quiet, step(new int[] {2, 2}, 2)), "run " + i + " under GC");
            }
        } finally {
            gc.interrupt();
        }
    }

    @Test
    void twoReplicasStepLikeOneOnTheWholeBatch() {
        Map<String, float[]> whole = step(new int[] {4}, 1);
        Map<String, float[]> even = step(new int[] {2, 2}, 2);
        Map<String, float[]> uneven = step(new int[] {3, 1}, 2);
        float evenDiff = maxDifference(whole, even);
        float unevenDiff = maxDifference(whole, uneven);
        System.out.printf(
                "one step, largest parameter difference from the whole batch on one replica:"
                        + " 2 + 2: %.3g, 3 + 1: %.3g%n",
                evenDiff, unevenDiff);
        assertTrue(evenDiff <= TOLERANCE, "2 + 2 differs from 4 by " + evenDiff);
        assertTrue(unevenDiff <= TOLERANCE, "3 + 1 differs from 4 by " + unevenDiff);
        // the step changed the weights: the comparison is not between two untouched models
        assertTrue(maxDifference(whole, initial()) > 1e-4f);
    }

    @Test
    void trainerLogsTheTimeOfEveryDevice(@TempDir Path dir) throws IOException {
        RectangleScenes.write(
                dir.resolve("data/img"),
                dir.resolve("data/ann.json"),
                RectangleScenes.twoClassScenes(4, 64),
                Map.of(1, "red", 2, "blue"));
        JsonObject run = JsonFiles.parseObject(
                "{\"name\": \"dp\", \"model\": " + MODEL + ","
                        + " \"solver\": {\"ims_per_batch\": 4, \"base_lr\": 0.01, \"max_iter\": 3, \"warmup_iters\": 0,"
                        + " \"steps\": [100], \"checkpoint_period\": 3, \"log_period\": 1, \"seed\": 1, \"device\": \"cpu\"},"
                        + " \"data\": {\"train_images\": \"img\", \"train_annotations\": \"ann.json\", \"val_images\": \"none\","
                        + " \"val_annotations\": \"none.json\", \"num_workers\": 1}}",
                "dp");
        RunConfig cfg = RunConfig.fromJson(run, ConfigPath.root("dp")).withDataRoot(dir.resolve("data"));
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn model = TrainingRun.createModel(cfg, m);
            TrainingSummary s = new DetectorTrainer(
                            cfg, dir.resolve("run"), model, new Device[] {Device.cpu(), Device.cpu()})
                    .train(false);
            assertEquals(3, s.iterations());
        }
        List<JsonObject> lines = MetricsLog.read(dir.resolve("run").resolve(MetricsLog.FILE));
        JsonObject first = lines.get(0);
        assertEquals(2, first.getAsJsonArray("device_s").size(), first.toString());
        for (var t : first.getAsJsonArray("device_s")) {
            assertTrue(t.getAsDouble() > 0, first.toString());
        }
        assertTrue(Files.isRegularFile(dir.resolve("run/checkpoints/iter_0000003/model.ndlist")));
    }

    /**
     * BatchNorm statistics are not synchronized across replicas, so a run that combines several
     * replicas with trainable BatchNorm does not make the one-device step: the training log says
     * so, in one line, and says nothing for one replica or frozen BatchNorm.
     */
    @Test
    void theLogSaysWhenReplicasNormalizeWithTheirOwnBatchStatistics(@TempDir Path dir) throws IOException {
        RectangleScenes.write(
                dir.resolve("data/img"),
                dir.resolve("data/ann.json"),
                RectangleScenes.twoClassScenes(4, 64),
                Map.of(1, "red", 2, "blue"));
        String batchNorm = MODEL.replace("{\"backbone\"", "{\"backbone_norm\": \"batch\", \"backbone\"");
        JsonObject run = JsonFiles.parseObject(
                "{\"name\": \"bn\", \"model\": " + batchNorm + ","
                        + " \"solver\": {\"ims_per_batch\": 4, \"base_lr\": 0.01, \"max_iter\": 1, \"warmup_iters\": 0,"
                        + " \"steps\": [100], \"checkpoint_period\": 1, \"log_period\": 1, \"seed\": 1, \"device\": \"cpu\"},"
                        + " \"data\": {\"train_images\": \"img\", \"train_annotations\": \"ann.json\", \"val_images\": \"none\","
                        + " \"val_annotations\": \"none.json\", \"num_workers\": 1}}",
                "bn");
        RunConfig cfg = RunConfig.fromJson(run, ConfigPath.root("bn")).withDataRoot(dir.resolve("data"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn model = TrainingRun.createModel(cfg, m);
            new DetectorTrainer(cfg, dir.resolve("run"), model, new Device[] {Device.cpu(), Device.cpu()})
                    .setLog(new PrintStream(log, true, StandardCharsets.UTF_8))
                    .train(false);
        }
        String text = log.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().count(), text);
        assertTrue(
                text.startsWith("notice: 2 replicas with trainable BatchNorm: each normalizes with the statistics of"
                        + " its own part of the batch"),
                text);

        MomentumSgd sgd = MomentumSgd.builder()
                .setLearningRateTracker(Tracker.fixed(0.02f))
                .build();
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn withBatchNorm = TrainingRun.createModel(cfg, m);
            try (TrainingStep one = new TrainingStep(withBatchNorm, new Device[] {Device.cpu()}, sgd, 0)) {
                assertNull(one.notice(), "one replica: the batch's own statistics");
            }
            try (TrainingStep frozen = new TrainingStep(model(m), new Device[] {Device.cpu(), Device.cpu()}, sgd, 0)) {
                assertNull(frozen.notice(), "frozen BatchNorm: nothing differs between replicas");
            }
        }
    }

    /** The trainable parameters after one step of SGD on the fixed batch with the given split. */
    private static Map<String, float[]> step(int[] split, int replicas) {
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn model = model(m);
            MomentumSgd sgd = MomentumSgd.builder()
                    .setLearningRateTracker(Tracker.fixed(0.02f))
                    .optMomentum(0.9f)
                    .optWeightDecay(1e-4f)
                    .build();
            Device[] devices = new Device[replicas];
            java.util.Arrays.fill(devices, Device.cpu());
            try (TrainingStep step = new TrainingStep(model, devices, sgd, 0)) {
                step.run(batch(m), split, 0, 7, m);
                Map<String, float[]> out = trainable(model);
                if (replicas > 1) {
                    // every replica now holds the first one's weights
                    for (Pair<String, Parameter> p : model.getParameters()) {
                        NDArray copy = step.replicaArray(1, p.getValue());
                        assertEquals(
                                0f,
                                maxDifference(p.getValue().getArray().toFloatArray(), copy.toFloatArray()),
                                p.getKey());
                    }
                }
                return out;
            }
        }
    }

    private static Map<String, float[]> initial() {
        try (NDManager m = NDManager.newBaseManager()) {
            return trainable(model(m));
        }
    }

    private static FasterRcnn model(NDManager m) {
        FasterRcnn model = FasterRcnnFactory.create(
                DetectorConfig.fromJson(JsonFiles.parseObject(MODEL, "model"), ConfigPath.root("model")));
        model.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, 5);
        return model;
    }

    /** Four 64x64 images of coloured rectangles with their boxes (fixed seed). */
    static List<DetectionSample> batch(NDManager m) {
        Random rnd = new Random(11);
        List<DetectionSample> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            float[] px = new float[3 * 64 * 64];
            for (int k = 0; k < px.length; k++) {
                px[k] = 0.2f * rnd.nextFloat();
            }
            int x = 4 + rnd.nextInt(20);
            int y = 4 + rnd.nextInt(20);
            int w = 16 + rnd.nextInt(20);
            int h = 16 + rnd.nextInt(20);
            for (int yy = y; yy < y + h; yy++) {
                for (int xx = x; xx < x + w; xx++) {
                    px[yy * 64 + xx] = 1f; // red channel
                }
            }
            out.add(new DetectionSample(
                    i,
                    m.create(px, new Shape(3, 64, 64)),
                    m.create(new float[] {x, y, x + w, y + h}, new Shape(1, 4)),
                    m.create(new long[] {1 + i % 2}),
                    64,
                    64,
                    false));
        }
        return out;
    }

    private static Map<String, float[]> trainable(FasterRcnn model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : model.getParameters()) {
            if (p.getValue().requiresGradient()) {
                out.put(p.getKey(), p.getValue().getArray().toFloatArray());
            }
        }
        return out;
    }

    private static float maxDifference(Map<String, float[]> a, Map<String, float[]> b) {
        float max = 0;
        for (String k : a.keySet()) {
            max = Math.max(max, maxDifference(a.get(k), b.get(k)));
        }
        return max;
    }

    private static float maxDifference(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
