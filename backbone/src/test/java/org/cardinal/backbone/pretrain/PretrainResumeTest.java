package org.cardinal.backbone.pretrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.backbone.weights.TensorData;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.JsonFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainResumeTest {

    /** Random crops and flips, a warm-up and a step decay: every source of state a resume must restore. */
    static PretrainConfig recipe() {
        String json = """
                {"backbone": {"name": "tiny", "block": "basic", "layers": [1, 1, 1, 1], "base_channels": 8},
                 "epochs": 3, "ims_per_batch": 8, "base_lr": 3.2, "schedule": "step", "milestones": [2],
                 "warmup_epochs": 1, "label_smoothing": 0.1, "image_size": 24, "resize_size": 28,
                 "min_scale": 0.3, "num_workers": 2, "log_period": 2, "seed": 11,
                 "generated": {"classes": 3, "train_per_class": 9, "val_per_class": 3, "image_size": 32}}
                """;
        return PretrainConfig.fromJson(JsonFiles.parseObject(json, "test"), ConfigPath.root("test"));
    }

    @Test
    void resumedRunTakesExactlyTheStepsOfAnUninterruptedRun(@TempDir Path dir) throws IOException {
        PretrainConfig cfg = recipe();
        Path data = dir.resolve("data");
        cfg.generated().writeTo(data);
        // 27 images / batch 8 = 3 steps per epoch, 9 in all.
        PretrainTrainer.Result straight = new PretrainTrainer(cfg, data, dir.resolve("a"), Device.cpu(), s -> {})
                .optProgressBar(false)
                .run(false);
        assertEquals(9, straight.steps());

        // Interrupted mid-epoch (step 4 = second batch of epoch 2), then resumed from its checkpoint.
        List<String> log = new ArrayList<>();
        PretrainTrainer.Result first = new PretrainTrainer(cfg, data, dir.resolve("b"), Device.cpu(), log::add)
                .optProgressBar(false)
                .optStopAfterSteps(4)
                .run(false);
        assertNull(first.weights());
        assertEquals(4, first.steps());
        assertTrue(Files.exists(dir.resolve("b/checkpoints/step-000000004.safetensors")));
        PretrainTrainer.Result resumed = new PretrainTrainer(cfg, data, dir.resolve("b"), Device.cpu(), log::add)
                .optProgressBar(false)
                .run(true);
        assertEquals(9, resumed.steps());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("resuming from")), log.toString());

        StateDict a = StateDict.read(straight.weights());
        StateDict b = StateDict.read(resumed.weights());
        assertEquals(a.keys(), b.keys());
        for (String name : a.keys()) {
            float[] x = floats(a.get(name));
            float[] y = floats(b.get(name));
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], 1e-5f * (1 + Math.abs(x[i])), name + "[" + i + "]");
            }
        }
        assertEquals(straight.valTop1(), resumed.valTop1(), 1e-9);
        // The resumed log holds the same records as the straight one (nothing duplicated).
        assertEquals(
                Files.readAllLines(dir.resolve("a/metrics.jsonl")).size(),
                Files.readAllLines(dir.resolve("b/metrics.jsonl")).size());
    }

    @Test
    void refusesToOverwriteARunWithoutResume(@TempDir Path dir) throws IOException {
        PretrainConfig cfg = recipe().withRun(1, 8, 2);
        Path data = dir.resolve("data");
        cfg.generated().writeTo(data);
        new PretrainTrainer(cfg, data, dir.resolve("run"), Device.cpu(), s -> {})
                .optProgressBar(false)
                .run(false);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new PretrainTrainer(cfg, data, dir.resolve("run"), Device.cpu(), s -> {})
                        .optProgressBar(false)
                        .run(false));
        assertTrue(e.getMessage().contains("--resume"), e.getMessage());
    }

    private static float[] floats(TensorData t) {
        if (t.dtype().isFloating()) {
            return t.toFloatArray();
        }
        java.nio.LongBuffer lb = java.nio.ByteBuffer.wrap(t.data())
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asLongBuffer();
        float[] out = new float[lb.remaining()];
        for (int i = 0; i < out.length; i++) {
            out[i] = lb.get(i);
        }
        return out;
    }
}
