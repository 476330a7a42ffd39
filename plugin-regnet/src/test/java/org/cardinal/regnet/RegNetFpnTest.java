package org.cardinal.regnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.util.List;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.backbone.spi.FeatureShape;
import org.cardinal.backbone.weights.LoadReport;
import org.cardinal.backbone.weights.Npy;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.detector.DetectionBackbone;
import org.cardinal.detector.Detections;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.DetectorWeights;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.FasterRcnnFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A RegNet body feeds Cardinal's FPN Faster R-CNN through the SPI alone: its four stages are C2..C5
 * of the pyramid (strides 4..32 plus the pool level at 64), and the detector built by the factory
 * runs on an image.
 */
class RegNetFpnTest {

    /** The C4 variant: RPN and RoI pooling on C4 (stride 16), the last stage (block4) as the box head. */
    @Test
    void theC4DetectorOnARegNetBodyDetects() {
        JsonObject j = JsonParser.parseString("{\"backbone\": \"regnet_x_mini\", \"variant\": \"c4\", "
                        + "\"num_classes\": 3, \"min_size\": 96, \"max_size\": 96}")
                .getAsJsonObject();
        DetectorConfig c = DetectorConfig.fromJson(j, ConfigPath.root("m.json"));
        assertEquals(
                List.of(new FeatureShape("0", 64, 16)),
                FasterRcnnFactory.backbone(c).outputShapes());
        FasterRcnn model = FasterRcnnFactory.create(c);
        try (NDManager manager = NDManager.newBaseManager()) {
            model.initialize(manager, DataType.FLOAT32, 1);
            List<Detections> detections = model.detect(
                    new ParameterStore(manager, false), List.of(manager.randomUniform(0, 1, new Shape(3, 96, 96))));
            assertEquals(4, detections.get(0).boxes().getShape().get(1));
        }
    }

    /**
     * {@code backbone_weights}: a torchvision RegNetY classifier checkpoint (fc ignored) fills the
     * detector's body by name, which then gives torchvision's C2..C5 (the classifier fixture of
     * {@link RegNetParityTest}).
     */
    @Test
    void aTorchvisionClassifierCheckpointFillsTheDetectorsBody() throws IOException {
        JsonObject j = JsonParser.parseString("{\"backbone\": \"regnet_y_mini\", \"variant\": \"fpn\", "
                        + "\"num_classes\": 3, \"min_size\": 96, \"max_size\": 96, \"fpn_channels\": 16, "
                        + "\"representation_size\": 32}")
                .getAsJsonObject();
        FasterRcnn model = FasterRcnnFactory.create(DetectorConfig.fromJson(j, ConfigPath.root("m.json")));
        try (NDManager manager = NDManager.newBaseManager()) {
            model.initialize(manager, DataType.FLOAT32, 1);
            LoadReport report = DetectorWeights.loadBackbone(model, Fixtures.path("regnet_y_mini.safetensors"));
            FeatureExtractor body = model.backbone().body();
            assertEquals(
                    StateDicts.namedParameters(body).size(), report.loaded().size(), report.toString());
            assertTrue(report.unexpected().stream().allMatch(k -> k.startsWith("fc.")), report.toString());
            NDArray x = Npy.read(Fixtures.path("input.npy")).toNDArray(manager);
            NDList maps = body.forward(new ParameterStore(manager, false), new NDList(x), false);
            StateDict expected = StateDict.read(Fixtures.path("regnet_y_mini_expected.safetensors"));
            assertEquals(4, maps.size(), "no classification top in a detector's body");
            for (int i = 0; i < 4; i++) {
                float[] want = expected.get("C" + (i + 2)).toFloatArray();
                float[] got = maps.get(i).toFloatArray();
                double diff = 0;
                double scale = 0;
                for (int k = 0; k < want.length; k++) {
                    diff = Math.max(diff, Math.abs(got[k] - want[k]));
                    scale = Math.max(scale, Math.abs(want[k]));
                }
                assertTrue(diff / scale < 1e-4, "C" + (i + 2) + " relative error " + diff / scale);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"regnet_x_mini", "regnet_y_mini"})
    void theFactoryBuildsAnFpnDetectorOnARegNetBodyThatDetects(String arch) {
        JsonObject j = JsonParser.parseString("{\"backbone\": \"" + arch + "\", \"variant\": \"fpn\", "
                        + "\"num_classes\": 3, \"min_size\": 96, \"max_size\": 96, \"fpn_channels\": 16, "
                        + "\"representation_size\": 32}")
                .getAsJsonObject();
        DetectorConfig c = DetectorConfig.fromJson(j, ConfigPath.root("m.json"));
        assertEquals("regnet", c.backbone().type());
        DetectionBackbone backbone = FasterRcnnFactory.backbone(c);
        assertEquals(
                List.of(
                        new FeatureShape("0", 16, 4),
                        new FeatureShape("1", 16, 8),
                        new FeatureShape("2", 16, 16),
                        new FeatureShape("3", 16, 32),
                        new FeatureShape("pool", 16, 64)),
                backbone.outputShapes());
        FasterRcnn model = FasterRcnnFactory.create(c);
        try (NDManager manager = NDManager.newBaseManager()) {
            model.initialize(manager, DataType.FLOAT32, 1);
            NDList maps = model.backbone()
                    .forward(
                            new ParameterStore(manager, false),
                            new NDList(manager.randomUniform(0, 1, new Shape(1, 3, 96, 128))),
                            false);
            assertEquals(5, maps.size());
            // every stride-2 step (stem, stages, the pool level) maps n to ceil(n / 2)
            long h = 48;
            long w = 64;
            for (int i = 0; i < 5; i++) {
                h = (h + 1) / 2;
                w = (w + 1) / 2;
                assertEquals(new Shape(1, 16, h, w), maps.get(i).getShape(), "level " + i);
            }
            List<Detections> detections = model.detect(
                    new ParameterStore(manager, false), List.of(manager.randomUniform(0, 1, new Shape(3, 96, 96))));
            assertEquals(1, detections.size());
            Detections d = detections.get(0);
            assertEquals(4, d.boxes().getShape().get(1));
            assertEquals(d.scores().getShape().get(0), d.labels().getShape().get(0));
        }
    }
}
