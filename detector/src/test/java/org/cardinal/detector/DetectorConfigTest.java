package org.cardinal.detector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cardinal.backbone.BackboneConfig;
import org.cardinal.core.config.ConfigPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetectorConfigTest {

    @Test
    void defaultsAreTorchvisionFasterRcnnResnet50Fpn() {
        DetectorConfig c = DetectorConfig.defaults();
        assertEquals("resnet50", c.backbone().name());
        assertEquals(DetectorConfig.Variant.FPN, c.variant());
        assertEquals(91, c.numClasses());
        assertEquals(800, c.minSize());
        assertEquals(1333, c.maxSize());
        assertArrayEquals(new double[] {0.485, 0.456, 0.406}, c.imageMean());
        assertArrayEquals(new double[] {0.229, 0.224, 0.225}, c.imageStd());
        assertEquals(3, c.trainableBackboneLayers());
        assertEquals(256, c.fpnChannels());
        assertArrayEquals(new int[][] {{32}, {64}, {128}, {256}, {512}}, c.anchorSizes());
        assertArrayEquals(new double[] {0.5, 1.0, 2.0}, c.aspectRatios());
        assertEquals(2000, c.rpnPreNmsTopNTrain());
        assertEquals(1000, c.rpnPreNmsTopNTest());
        assertEquals(2000, c.rpnPostNmsTopNTrain());
        assertEquals(1000, c.rpnPostNmsTopNTest());
        assertEquals(0.7, c.rpnNmsThresh());
        assertEquals(0.7, c.rpnFgIouThresh());
        assertEquals(0.3, c.rpnBgIouThresh());
        assertEquals(256, c.rpnBatchSizePerImage());
        assertEquals(0.5, c.rpnPositiveFraction());
        assertEquals(0.0, c.rpnScoreThresh());
        assertEquals(7, c.roiOutputSize());
        assertEquals(2, c.samplingRatio());
        assertEquals(1024, c.representationSize());
        assertEquals(0.05, c.boxScoreThresh());
        assertEquals(0.5, c.boxNmsThresh());
        assertEquals(100, c.boxDetectionsPerImg());
        assertEquals(0.5, c.boxFgIouThresh());
        assertEquals(0.5, c.boxBgIouThresh());
        assertEquals(512, c.boxBatchSizePerImage());
        assertEquals(0.25, c.boxPositiveFraction());
        assertArrayEquals(new double[] {10, 10, 5, 5}, c.bboxRegWeights());
    }

    @Test
    void c4DefaultsPutAllAnchorSizesOnOneLevelAndPool14() {
        DetectorConfig c = DetectorConfig.fromJson(
                JsonParser.parseString("{\"variant\": \"c4\"}").getAsJsonObject(), ConfigPath.root("t"));
        assertArrayEquals(new int[][] {{32, 64, 128, 256, 512}}, c.anchorSizes());
        assertEquals(14, c.roiOutputSize());
    }

    @Test
    void jsonOverridesAndRoundTrips() {
        JsonObject j = JsonParser.parseString(
                        "{\"backbone\": \"resnext50_32x4d\", \"num_classes\": 5, \"min_size\": 600,"
                                + " \"max_size\": 1000}")
                .getAsJsonObject();
        DetectorConfig c = DetectorConfig.fromJson(j, ConfigPath.root("run.json"));
        assertEquals("resnext50_32x4d", c.backbone().name());
        assertEquals(32, ((BackboneConfig) c.backbone()).cardinality());
        assertEquals(5, c.numClasses());
        assertEquals(600, c.minSize());
        assertEquals(1000, c.maxSize());
        assertEquals(c, DetectorConfig.fromJson(c.toJson(), ConfigPath.root("resolved")));
        assertEquals(7, c.withNumClasses(7).numClasses());
        assertEquals(
                "resnet50",
                c.withBackbone(BackboneConfig.named("resnet50")).backbone().name());
    }

    @Test
    void inlineBackboneObject() {
        JsonObject j = JsonParser.parseString("{\"backbone\": {\"block\": \"bottleneck\", \"layers\": [1, 1, 1, 1],"
                        + " \"cardinality\": 4, \"bottleneck_width\": 8, \"base_channels\": 16}}")
                .getAsJsonObject();
        DetectorConfig c = DetectorConfig.fromJson(j, ConfigPath.root("m.json"));
        assertArrayEquals(new int[] {64, 128, 256, 512}, ((BackboneConfig) c.backbone()).stageChannels());
    }

    @Test
    void errorsNameTheSourceAndTheField() {
        IllegalArgumentException unknown = assertThrows(
                IllegalArgumentException.class,
                () -> DetectorConfig.fromJson(
                        JsonParser.parseString("{\"min_sise\": 3}").getAsJsonObject(), ConfigPath.root("a.json")));
        assertTrue(
                unknown.getMessage().contains("a.json") && unknown.getMessage().contains("min_sise"),
                unknown.getMessage());
        IllegalArgumentException type = assertThrows(
                IllegalArgumentException.class,
                () -> DetectorConfig.fromJson(
                        JsonParser.parseString("{\"min_size\": \"big\"}").getAsJsonObject(),
                        ConfigPath.root("b.json")));
        assertTrue(type.getMessage().contains("b.json") && type.getMessage().contains("min_size"), type.getMessage());
        IllegalArgumentException range = assertThrows(
                IllegalArgumentException.class,
                () -> DetectorConfig.fromJson(
                        JsonParser.parseString("{\"num_classes\": 1}").getAsJsonObject(), ConfigPath.root("c.json")));
        assertTrue(
                range.getMessage().contains("c.json") && range.getMessage().contains("num_classes"),
                range.getMessage());
        IllegalArgumentException variant = assertThrows(
                IllegalArgumentException.class,
                () -> DetectorConfig.fromJson(
                        JsonParser.parseString("{\"variant\": \"c5\"}").getAsJsonObject(), ConfigPath.root("d.json")));
        assertTrue(variant.getMessage().contains("variant"), variant.getMessage());
        IllegalArgumentException backbone = assertThrows(
                IllegalArgumentException.class,
                () -> DetectorConfig.fromJson(
                        JsonParser.parseString("{\"backbone\": \"resnet51\"}").getAsJsonObject(),
                        ConfigPath.root("e.json")));
        assertTrue(
                backbone.getMessage().contains("e.json")
                        && backbone.getMessage().contains("resnet51"),
                backbone.getMessage());
    }

    @Test
    void loadReportsMalformedAndMissingFiles(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"min_size\": ");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DetectorConfig.load(bad));
        assertTrue(e.getMessage().contains("bad.json"), e.getMessage());
        IllegalArgumentException missing =
                assertThrows(IllegalArgumentException.class, () -> DetectorConfig.load(dir.resolve("none.json")));
        assertTrue(missing.getMessage().contains("none.json"), missing.getMessage());
    }
}
