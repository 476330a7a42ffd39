package org.cardinal.detector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.cardinal.backbone.pretrain.PretrainConfig;
import org.cardinal.backbone.pretrain.PretrainTrainer;
import org.cardinal.backbone.weights.LoadReport;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.JsonFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights exported by the pretraining tool initialize a detector's backbone: they load by
 * torchvision name into the body of a Faster R-CNN and change its initial loss compared with the
 * same detector left at random initialization.
 */
class PretrainedInitTest {

    private static final String ARCH =
            "{\"name\": \"resnext_tiny\", \"block\": \"bottleneck\", \"layers\": [1, 1, 1, 1],"
                    + " \"cardinality\": 4, \"bottleneck_width\": 8, \"base_channels\": 16}";

    private static DetectorConfig detectorConfig() {
        JsonObject j = JsonParser.parseString("{\"backbone\": " + ARCH + ", \"variant\": \"fpn\", \"num_classes\": 3,"
                        + " \"min_size\": 128, \"max_size\": 160, \"fpn_channels\": 32, \"representation_size\": 64,"
                        + " \"rpn_pre_nms_top_n_train\": 200, \"rpn_post_nms_top_n_train\": 200,"
                        + " \"box_batch_size_per_image\": 64}")
                .getAsJsonObject();
        return DetectorConfig.fromJson(j, ConfigPath.root("test"));
    }

    /** Total initial loss of a freshly built detector (same seeds every time), optionally pretrained. */
    private static double initialLoss(Path backboneWeights, StateDict expectBody) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            FasterRcnn model = FasterRcnnFactory.create(detectorConfig());
            model.initialize(manager, DataType.FLOAT32, 5);
            if (backboneWeights != null) {
                LoadReport report = DetectorWeights.loadBackbone(model, backboneWeights);
                assertTrue(report.missing().isEmpty(), report.missing().toString());
                // Every body tensor now equals the exported one.
                Map<String, Parameter> body =
                        StateDicts.namedParameters(model.backbone().body());
                for (Map.Entry<String, Parameter> e : body.entrySet()) {
                    assertArrayEquals(
                            expectBody.get(e.getKey()).toFloatArray(),
                            e.getValue().getArray().toFloatArray(),
                            0f,
                            e.getKey());
                }
            }
            // A fixed image (smooth colour ramps) and two boxes.
            NDArray ramp = manager.linspace(0f, 1f, 144).reshape(1, 1, 144).broadcast(new Shape(3, 120, 144));
            NDArray image =
                    ramp.mul(manager.create(new float[] {1f, 0.5f, 0.2f}).reshape(3, 1, 1));
            Target t = new Target(
                    manager.create(new float[] {10, 12, 70, 80, 60, 30, 130, 110}, new Shape(2, 4)),
                    manager.create(new long[] {1, 2}));
            Map<String, NDArray> losses = model.losses(new ParameterStore(manager, false), List.of(image), List.of(t));
            double total = 0;
            for (NDArray l : losses.values()) {
                total += l.getFloat();
            }
            return total;
        }
    }

    @Test
    void pretrainedBackboneLoadsAndChangesTheInitialLoss(@TempDir Path dir) throws Exception {
        PretrainConfig cfg = PretrainConfig.fromJson(
                JsonFiles.parseObject(
                        "{\"backbone\": " + ARCH + ", \"epochs\": 2,"
                                + " \"ims_per_batch\": 8, \"base_lr\": 3.2, \"schedule\": \"cosine\", \"image_size\": 32,"
                                + " \"resize_size\": 36, \"min_scale\": 0.5, \"num_workers\": 2,"
                                + " \"generated\": {\"classes\": 3, \"train_per_class\": 8, \"val_per_class\": 2, \"image_size\": 40}}",
                        "test"),
                ConfigPath.root("test"));
        Path data = dir.resolve("data");
        cfg.generated().writeTo(data);
        PretrainTrainer.Result r = new PretrainTrainer(cfg, data, dir.resolve("run"), Device.cpu(), s -> {})
                .optProgressBar(false)
                .run(false);
        StateDict exported = StateDict.read(r.weights());
        // The export is an ImageNet-style classifier state dict: body + fc, torchvision names.
        assertTrue(exported.contains("fc.weight") && exported.contains("layer1.0.conv2.weight"));

        double random = initialLoss(null, null);
        double randomAgain = initialLoss(null, null);
        double pretrained = initialLoss(r.weights(), exported);
        assertEquals(random, randomAgain, 1e-6 * random, "same seeds must give the same initial loss");
        assertTrue(Double.isFinite(pretrained));
        assertTrue(
                Math.abs(pretrained - random) > 1e-3 * random,
                "pretrained initial loss " + pretrained + " vs random " + random);
    }
}
