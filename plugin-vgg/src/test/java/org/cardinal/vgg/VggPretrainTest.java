package org.cardinal.vgg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.Map;
import org.cardinal.backbone.pretrain.PretrainConfig;
import org.cardinal.backbone.pretrain.PretrainTrainer;
import org.cardinal.backbone.weights.LoadReport;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.DetectorWeights;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.FasterRcnnFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin's backbone through pretraining (tools/pretrain-backbone's trainer) and into a
 * detector: the exported weights record the type, and {@code backbone_weights} loads every body
 * tensor of a Faster R-CNN built with that backbone.
 */
class VggPretrainTest {

    private static final String VGG = "{\"type\": \"vgg\", \"name\": \"vgg_small\", \"widths\": [8, 8, 16, 16]}";

    @Test
    void pretrainedWeightsRecordTheTypeAndFillTheDetectorsBody(@TempDir Path dir) throws Exception {
        PretrainConfig recipe = PretrainConfig.fromJson(
                JsonFiles.parseObject(
                        "{\"arch\": " + VGG + ", \"epochs\": 1, \"batch_size\": 6, \"image_size\": 64,"
                                + " \"resize_size\": 72, \"workers\": 1, \"seed\": 3, \"generated\": {\"classes\": 2,"
                                + " \"train_per_class\": 6, \"val_per_class\": 2, \"image_size\": 80}}",
                        "recipe"),
                ConfigPath.root("recipe"));
        Path data = dir.resolve("data");
        recipe.generated().writeTo(data);
        PretrainTrainer.Result result = new PretrainTrainer(
                        recipe, data, dir.resolve("pretrain"), Device.cpu(), s -> {})
                .optProgressBar(false)
                .run(false);
        StateDict weights = StateDict.read(result.weights());
        assertEquals(
                "vgg",
                JsonParser.parseString(weights.metadata().get("arch"))
                        .getAsJsonObject()
                        .get("type")
                        .getAsString());

        DetectorConfig config = DetectorConfig.fromJson(
                JsonParser.parseString("{\"backbone\": " + VGG + ", \"num_classes\": 3, \"min_size\": 64,"
                        + " \"max_size\": 64, \"fpn_channels\": 8, \"representation_size\": 16}"),
                ConfigPath.root("model"));
        try (NDManager manager = NDManager.newBaseManager()) {
            FasterRcnn model = FasterRcnnFactory.create(config);
            model.initialize(manager, DataType.FLOAT32, 1);
            LoadReport report = DetectorWeights.loadBackbone(model, result.weights());
            Map<String, Parameter> body =
                    StateDicts.namedParameters(model.backbone().body());
            assertTrue(report.loaded().containsAll(body.keySet()), report.loaded() + " vs " + body.keySet());
            float[] expected = weights.get("stage2.0.conv.weight").toFloatArray();
            assertArrayEquals(
                    expected, body.get("stage2.0.conv.weight").getArray().toFloatArray(), "the pretrained tensor");
        }
    }
}
