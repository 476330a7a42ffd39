package org.cardinal.detector.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.data.RectangleScenes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resume on the real detector: N iterations straight against N/2 + crash + resume + N/2.
 */
class FasterRcnnResumeTest {

    @TempDir
    Path dir;

    private RunConfig config() {
        JsonObject run = JsonParser.parseString("""
                { "name": "resume",
                  "model": { "backbone": "resnet_tiny", "num_classes": 3, "min_size": 64, "max_size": 64,
                             "trainable_backbone_layers": 3, "fpn_channels": 16, "representation_size": 32,
                             "anchor_sizes": [[16], [32], [64], [128], [256]],
                             "rpn_pre_nms_top_n_train": 100, "rpn_post_nms_top_n_train": 50,
                             "rpn_batch_size_per_image": 64, "box_batch_size_per_image": 16 },
                  "solver": { "ims_per_batch": 2, "base_lr": 0.02, "max_iter": 4, "warmup_iters": 2,
                              "steps": [3], "checkpoint_period": 2, "seed": 11, "device": "cpu" },
                  "data": { "train_images": "img", "train_annotations": "ann.json", "val_images": "none",
                            "val_annotations": "none.json", "flip_prob": 0.5, "num_workers": 1 } }
                """).getAsJsonObject();
        return RunConfig.fromJson(run, ConfigPath.root("resume")).withDataRoot(dir.resolve("data"));
    }

    private static Map<String, float[]> params(FasterRcnn d) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : d.block().getParameters()) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    /** Losses of every iteration of a run, by iteration. */
    private static TrainingListener recorder(Map<Integer, Map<String, Double>> into) {
        return new TrainingListener() {
            @Override
            public void onIteration(IterationMetrics it) {
                into.put(it.iteration(), it.losses());
            }
        };
    }

    /**
     * A stopped and resumed Faster R-CNN run ends bit for bit where the uninterrupted one does:
     * parameters, momentum, data order, flips and the RPN/RoI sampling draws are all restored, so
     * every resumed iteration computes exactly the uninterrupted run's losses.
     */
    @Test
    void resumedFasterRcnnContinuesTheUninterruptedRun() throws IOException {
        RectangleScenes.write(
                dir.resolve("data/img"),
                dir.resolve("data/ann.json"),
                RectangleScenes.twoClassScenes(4, 64),
                Map.of(1, "red", 2, "blue"));
        RunConfig cfg = config();
        Map<Integer, Map<String, Double>> straightLosses = new java.util.TreeMap<>();
        Map<String, float[]> straight;
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn d = TrainingRun.createModel(cfg, m);
            new DetectorTrainer(cfg, dir.resolve("a"), d)
                    .addListener(recorder(straightLosses))
                    .train(false);
            straight = params(d);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn d = TrainingRun.createModel(cfg, m);
            DetectorTrainer t = new DetectorTrainer(cfg, dir.resolve("b"), d);
            t.addListener(new TrainingListener() {
                @Override
                public void onCheckpoint(int iteration, Path ckpt) {
                    throw new DetectorTrainerTest.Crash();
                }
            });
            assertThrows(DetectorTrainerTest.Crash.class, () -> t.train(false));
        }
        Map<Integer, Map<String, Double>> resumedLosses = new java.util.TreeMap<>();
        Map<String, float[]> resumed;
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn d = TrainingRun.createModel(cfg, m);
            TrainingSummary s = new DetectorTrainer(cfg, dir.resolve("b"), d)
                    .addListener(recorder(resumedLosses))
                    .train(true);
            assertEquals(2, s.iterationsThisRun());
            resumed = params(d);
        }
        assertEquals(java.util.Set.of(3, 4), resumedLosses.keySet());
        assertEquals(straightLosses.get(3), resumedLosses.get(3), "first resumed iteration");
        assertEquals(straightLosses.get(4), resumedLosses.get(4), "second resumed iteration");
        assertEquals(straight.keySet(), resumed.keySet());
        for (String k : straight.keySet()) {
            assertArrayEquals(straight.get(k), resumed.get(k), k);
        }
    }
}
