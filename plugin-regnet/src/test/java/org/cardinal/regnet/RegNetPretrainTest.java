package org.cardinal.regnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.TreeSet;
import org.cardinal.backbone.Norm;
import org.cardinal.backbone.pretrain.PretrainConfig;
import org.cardinal.backbone.pretrain.PretrainTrainer;
import org.cardinal.backbone.spi.Backbones;
import org.cardinal.backbone.spi.BuildOptions;
import org.cardinal.backbone.spi.FeatureExtractor;
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
 * {@code pretrain-backbone}'s trainer with a RegNet, as with a ResNeXt: a recipe names {@code
 * regnet_x_mini}, a short run on a generated image folder exports the backbone under torchvision's
 * names, and the export fills a detector's body ({@code backbone_weights}).
 */
class RegNetPretrainTest {

    @TempDir
    Path dir;

    @Test
    void pretrainsExportsAndTheExportFillsADetectorsBody() throws IOException {
        String json = """
                {"backbone": "regnet_x_mini", "epochs": 1, "ims_per_batch": 8, "base_lr": 0.1,
                 "image_size": 32, "resize_size": 36, "num_workers": 1, "log_period": 1, "seed": 5,
                 "generated": {"classes": 2, "train_per_class": 8, "val_per_class": 2, "image_size": 40}}
                """;
        PretrainConfig cfg = PretrainConfig.fromJson(JsonFiles.parseObject(json, "recipe"), ConfigPath.root("recipe"));
        Path data = dir.resolve("data");
        cfg.generated().writeTo(data);
        PretrainTrainer.Result result = new PretrainTrainer(cfg, data, dir.resolve("run"), Device.cpu(), s -> {})
                .optProgressBar(false)
                .run(false);
        assertNotNull(result.weights(), "finished and exported");
        assertEquals(2, result.steps(), "16 images, batches of 8, one epoch");

        StateDict exported = StateDict.read(result.weights());
        try (NDManager manager = NDManager.newBaseManager()) {
            FeatureExtractor classifier =
                    Backbones.named("regnet_x_mini").withNumClasses(2).build(BuildOptions.classifier(Norm.BATCH));
            classifier.initialize(manager, DataType.FLOAT32, new ai.djl.ndarray.types.Shape(1, 3, 32, 32));
            TreeSet<String> names = new TreeSet<>(StateDicts.export(classifier).names());
            assertTrue(
                    exported.keys().containsAll(names) || names.containsAll(exported.keys()),
                    exported.keys().toString());
            assertTrue(exported.contains("trunk_output.block3.block3-1.f.b.0.weight"), "torchvision's names");
        }

        JsonObject j = JsonParser.parseString("{\"backbone\": \"regnet_x_mini\", \"variant\": \"fpn\", "
                        + "\"num_classes\": 3, \"min_size\": 64, \"max_size\": 64, \"fpn_channels\": 16, "
                        + "\"representation_size\": 32}")
                .getAsJsonObject();
        FasterRcnn model = FasterRcnnFactory.create(DetectorConfig.fromJson(j, ConfigPath.root("m.json")));
        try (NDManager manager = NDManager.newBaseManager()) {
            model.initialize(manager, DataType.FLOAT32, 1);
            LoadReport report = DetectorWeights.loadBackbone(model, result.weights());
            assertEquals(
                    StateDicts.namedParameters(model.backbone().body()).size(),
                    report.loaded().size(),
                    report.toString());
        }
    }
}
