package org.cardinal.detector.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import org.cardinal.backbone.spi.FeatureShape;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.detector.DetectionBackbone;
import org.cardinal.detector.Detections;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.FasterRcnnFactory;
import org.cardinal.detector.RoiHeads;
import org.cardinal.detector.TwoMlpHead;
import org.cardinal.detector.ops.MultiScaleRoiAlign;
import org.junit.jupiter.api.Test;

/** The factory builds the detector from the backbone's stated output shapes alone. */
class FactoryFromShapesTest {

    private static final String RESNEXT_8 = "{\"name\": \"x\", \"block\": \"bottleneck\", \"layers\": [1, 1, 1, 1], "
            + "\"cardinality\": 4, \"bottleneck_width\": 16, \"base_channels\": 8}";

    private static DetectorConfig config(String variant, String extra) {
        JsonObject j = JsonParser.parseString("{\"backbone\": " + RESNEXT_8 + ", \"variant\": \"" + variant
                        + "\", \"num_classes\": 3, \"min_size\": 64, \"max_size\": 64, \"fpn_channels\": 16, "
                        + "\"representation_size\": 32" + extra + "}")
                .getAsJsonObject();
        return DetectorConfig.fromJson(j, ConfigPath.root("m.json"));
    }

    @Test
    void fpnAndC4StateTheirMapsFromTheBodysShapes() {
        // bottleneck, base 8: C2..C5 with 32, 64, 128, 256 channels at strides 4..32
        DetectionBackbone fpn = FasterRcnnFactory.backbone(config("fpn", ""));
        assertEquals(
                List.of(
                        new FeatureShape("0", 16, 4),
                        new FeatureShape("1", 16, 8),
                        new FeatureShape("2", 16, 16),
                        new FeatureShape("3", 16, 32),
                        new FeatureShape("pool", 16, 64)),
                fpn.outputShapes());
        DetectionBackbone c4 = FasterRcnnFactory.backbone(config("c4", ""));
        assertEquals(List.of(new FeatureShape("0", 128, 16)), c4.outputShapes());
    }

    @Test
    void anchorLevelsThatDoNotFitTheMapsNameTheBackboneAndItsMaps() {
        DetectorConfig c4 = config("c4", "");
        DetectionBackbone fpn = FasterRcnnFactory.backbone(config("fpn", ""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FasterRcnnFactory.rpn(c4, fpn));
        assertTrue(e.getMessage().contains("anchor_sizes") && e.getMessage().contains("5 map(s)"), e.getMessage());
        assertTrue(e.getMessage().contains("pool (16 channels, stride 64)"), e.getMessage());
    }

    /** The box head and the predictor are any DJL blocks with the stated contracts. */
    @Test
    void aPredictorOfAnyBlockTrainsInTheDetector() {
        DetectorConfig c = config("fpn", "");
        DetectionBackbone backbone = FasterRcnnFactory.backbone(c);
        SequentialBlock predictor = new SequentialBlock()
                .add(Blocks.batchFlattenBlock())
                .add(Activation::relu)
                .add(new ParallelBlock(
                        list -> new NDList(
                                list.get(0).singletonOrThrow(), list.get(1).singletonOrThrow()),
                        List.of(
                                Linear.builder().setUnits(3).build(),
                                Linear.builder().setUnits(12).build())));
        RoiHeads heads = new RoiHeads(
                new MultiScaleRoiAlign(List.of("0", "1", "2", "3"), 7, 2),
                new TwoMlpHead(16 * 7 * 7, 32),
                predictor,
                FasterRcnnFactory.roiHeads(c, backbone).params());
        FasterRcnn model = FasterRcnn.builder()
                .setTransform(FasterRcnnFactory.transform(c))
                .setBackbone(backbone)
                .setRpn(FasterRcnnFactory.rpn(c, backbone))
                .setRoiHeads(heads)
                .build();
        try (NDManager manager = NDManager.newBaseManager()) {
            model.initialize(manager, DataType.FLOAT32, 1);
            List<Detections> detections = model.detect(
                    new ParameterStore(manager, false), List.of(manager.randomUniform(0, 1, new Shape(3, 64, 64))));
            assertEquals(1, detections.size());
        }
    }
}
