package org.cardinal.backbone.pretrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.tracker.Tracker;
import java.nio.file.Path;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.JsonFiles;
import org.junit.jupiter.api.Test;

class RecipeTest {

    private static PretrainConfig parse(String json) {
        return PretrainConfig.fromJson(JsonFiles.parseObject(json, "recipe.json"), ConfigPath.root("recipe.json"));
    }

    @Test
    void defaultsAreThePapersRecipe() {
        PretrainConfig c = parse("{\"backbone\": \"resnext50_32x4d\"}");
        assertEquals(100, c.epochs());
        assertEquals(256, c.imsPerBatch());
        assertEquals(0.1, c.learningRate(), 1e-12);
        assertEquals(0.9, c.momentum());
        assertEquals(1e-4, c.weightDecay());
        assertArrayEquals(new int[] {30, 60, 90}, c.milestones());
        assertEquals(0.08, c.minScale());
        assertEquals(224, c.imageSize());
        assertEquals(256, c.resizeSize());
        assertEquals(32, ((org.cardinal.backbone.BackboneConfig) c.backbone()).cardinality());
        // Linear scaling: batch 1024 trains with lr 0.4.
        assertEquals(0.4, c.withRun(100, 1024, 2).learningRate(), 1e-12);
    }

    @Test
    void shippedConfigsLoad() {
        for (String name : new String[] {"default", "resnet50", "resnext50_32x4d"}) {
            PretrainConfig c = PretrainConfig.load(Path.of("../configs/pretrain/" + name + ".json"));
            assertEquals(
                    c.toJson(),
                    PretrainConfig.fromJson(c.toJson(), ConfigPath.root("resolved"))
                            .toJson());
        }
        assertEquals(
                "resnet50",
                PretrainConfig.load(Path.of("../configs/pretrain/resnet50.json"))
                        .backbone()
                        .name());
    }

    /** Detection's names are the recipe's; the recipe's earlier names still read, as aliases. */
    @Test
    void earlierFieldNamesAreReadAsAliasesOfDetectionsNames() {
        PretrainConfig earlier =
                parse("{\"arch\": \"resnet18\", \"batch_size\": 64, \"log_every_iters\": 5, \"workers\": 3}");
        PretrainConfig current =
                parse("{\"backbone\": \"resnet18\", \"ims_per_batch\": 64, \"log_period\": 5, \"num_workers\": 3}");
        assertEquals(current.toJson(), earlier.toJson());
        assertEquals(64, earlier.imsPerBatch());
        assertEquals(5, earlier.logPeriod());
        assertEquals(3, earlier.numWorkers());
        assertEquals("resnet18", earlier.backbone().name());
        for (String old : new String[] {"arch", "batch_size", "log_every_iters", "workers"}) {
            assertFalse(earlier.toJson().has(old), old + " is written under its current name");
        }
        IllegalArgumentException both = assertThrows(
                IllegalArgumentException.class,
                () -> parse("{\"backbone\": \"resnet18\", \"batch_size\": 64, \"ims_per_batch\": 64}"));
        assertEquals(
                "recipe.json: field 'batch_size' is the earlier name of 'ims_per_batch', which is also given: "
                        + "keep 'ims_per_batch' only",
                both.getMessage());
    }

    @Test
    void badFieldsAreNamed() {
        IllegalArgumentException unknown =
                assertThrows(IllegalArgumentException.class, () -> parse("{\"backbone\": \"resnet50\", \"lr\": 0.1}"));
        assertTrue(unknown.getMessage().startsWith("recipe.json: unknown field 'lr'"), unknown.getMessage());
        IllegalArgumentException type = assertThrows(
                IllegalArgumentException.class, () -> parse("{\"backbone\": \"resnet50\", \"epochs\": \"ten\"}"));
        assertTrue(type.getMessage().contains("'epochs'"), type.getMessage());
        IllegalArgumentException range = assertThrows(
                IllegalArgumentException.class, () -> parse("{\"backbone\": \"resnet50\", \"schedule\": \"poly\"}"));
        assertTrue(range.getMessage().contains("'schedule'"), range.getMessage());
        IllegalArgumentException arch =
                assertThrows(IllegalArgumentException.class, () -> parse("{\"backbone\": \"resnet51\"}"));
        assertTrue(arch.getMessage().contains("resnet51"), arch.getMessage());
        assertThrows(IllegalArgumentException.class, () -> parse("{\"backbone\": \"resnet50\",}x"));
    }

    @Test
    void stepScheduleDividesAtMilestoneEpochsAfterLinearWarmup() {
        PretrainConfig c = parse("{\"backbone\": \"resnet50\", \"epochs\": 10, \"milestones\": [4, 8],"
                + " \"warmup_epochs\": 2, \"warmup_start_factor\": 0.25}");
        Tracker t = LearningRateSchedule.build(c, 10); // 10 iterations per epoch
        assertEquals(0.025, t.getNewValue(0), 1e-7); // warm-up starts at 0.25 * lr
        assertEquals(0.0625, t.getNewValue(10), 1e-7); // half-way through the warm-up
        assertEquals(0.1, t.getNewValue(20), 1e-7); // epoch 2: full lr
        assertEquals(0.1, t.getNewValue(39), 1e-7); // last iteration of epoch 3
        assertEquals(0.01, t.getNewValue(40), 1e-7); // epoch 4: / 10
        assertEquals(0.01, t.getNewValue(79), 1e-7);
        assertEquals(0.001, t.getNewValue(80), 1e-8); // epoch 8: / 100
    }

    @Test
    void cosineScheduleEndsAtZero() {
        PretrainConfig c = parse("{\"backbone\": \"resnet50\", \"epochs\": 4, \"schedule\": \"cosine\"}");
        Tracker t = LearningRateSchedule.build(c, 5);
        assertEquals(0.1, t.getNewValue(0), 1e-7);
        assertEquals(0.05, t.getNewValue(10), 1e-6); // half-way: (1 + cos(pi/2)) / 2
        assertEquals(0.0, t.getNewValue(20), 1e-7);
    }

    @Test
    void labelSmoothedCrossEntropyMatchesHandComputation() {
        try (NDManager m = NDManager.newBaseManager()) {
            // p = softmax(ln 1, ln 3) = (0.25, 0.75); label 1; eps 0.2 -> target (0.1, 0.9).
            NDArray logits = m.create(new float[] {0f, (float) Math.log(3)}, new ai.djl.ndarray.types.Shape(1, 2));
            NDArray labels = m.create(new long[] {1});
            double expected = -(0.1 * Math.log(0.25) + 0.9 * Math.log(0.75));
            assertEquals(
                    expected,
                    ClassificationLoss.crossEntropy(logits, labels, 0.2f).getFloat(),
                    1e-6);
            assertEquals(
                    -Math.log(0.75),
                    ClassificationLoss.crossEntropy(logits, labels, 0f).getFloat(),
                    1e-6);
            NDArray five =
                    m.create(new float[] {5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6}, new ai.djl.ndarray.types.Shape(2, 6));
            NDArray y = m.create(new long[] {4, 0});
            assertEquals(0, ClassificationLoss.topKHits(five, y, 1).getLong());
            assertEquals(1, ClassificationLoss.topKHits(five, y, 5).getLong()); // row 0: class 4 is 5th
        }
    }
}
