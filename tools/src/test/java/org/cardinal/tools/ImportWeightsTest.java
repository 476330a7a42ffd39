package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.cardinal.backbone.weights.StateDict;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.backbone.weights.TensorData;
import org.cardinal.detector.Detections;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.data.SyntheticCocoGenerator;
import org.cardinal.detector.zoo.DetectorArtifact;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportWeightsTest {

    private static final PrintStream SINK = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    /** A state_dict with only the tensors the architecture is read from (others absent). */
    private static StateDict skeleton(int[] blocks, long width, long perGroup, boolean bottleneck) {
        StateDict sd = new StateDict();
        float[] one = {0f};
        for (int layer = 1; layer <= 4; layer++) {
            for (int b = 0; b < blocks[layer - 1]; b++) {
                sd.put("backbone.body.layer" + layer + "." + b + ".conv1.weight", TensorData.ofFloats(one, 1));
            }
        }
        sd.put("backbone.body.layer1.0.conv2.weight",
                TensorData.ofFloats(new float[(int) (width * perGroup * 9)], width, perGroup, 3, 3));
        if (bottleneck) {
            sd.put("backbone.body.layer1.0.conv3.weight", TensorData.ofFloats(one, 1));
        }
        return sd;
    }

    @Test
    void readsTheArchitectureFromTheTensors() {
        Path f = Path.of("x.pth");
        assertEquals("resnet50", ImportWeights.inferBackbone(skeleton(new int[] {3, 4, 6, 3}, 64, 64, true), f));
        assertEquals("resnext50_32x4d", ImportWeights.inferBackbone(skeleton(new int[] {3, 4, 6, 3}, 128, 4, true), f));
        assertEquals("resnet101", ImportWeights.inferBackbone(skeleton(new int[] {3, 4, 23, 3}, 64, 64, true), f));
        assertEquals("resnext101_32x8d", ImportWeights.inferBackbone(skeleton(new int[] {3, 4, 23, 3}, 256, 8, true), f));
        assertEquals("resnext101_64x4d", ImportWeights.inferBackbone(skeleton(new int[] {3, 4, 23, 3}, 256, 4, true), f));
        assertEquals("resnet18", ImportWeights.inferBackbone(skeleton(new int[] {2, 2, 2, 2}, 64, 64, false), f));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImportWeights.inferBackbone(skeleton(new int[] {1, 1, 1, 1}, 64, 64, true), f));
        assertTrue(e.getMessage().contains("resnet14") && e.getMessage().contains("--arch"), e.getMessage());
    }

    @Test
    void importedArtifactPredictsWhatTheOriginalModelDetects(@TempDir Path dir) throws Exception {
        JsonObject model = JsonParser.parseString("{\"backbone\": \"resnet_tiny\", \"num_classes\": 4, \"min_size\": 64,"
                + " \"max_size\": 96, \"fpn_channels\": 16, \"representation_size\": 32, \"box_score_thresh\": 0.0,"
                + " \"rpn_pre_nms_top_n_test\": 50, \"rpn_post_nms_top_n_test\": 20}").getAsJsonObject();
        DetectorConfig config = DetectorConfig.fromJson(model, "test");
        Path data = new SyntheticCocoGenerator(SyntheticCocoGenerator.Options.defaults().withImages(0, 1))
                .ensure(dir.resolve("data"));
        Path imageFile = data.resolve("val").resolve("000001.png");
        Path weights = dir.resolve("tiny_fpn.safetensors");
        float[] expectedBoxes;
        float[] expectedScores;
        try (NDManager manager = NDManager.newBaseManager()) {
            FasterRcnn net = FasterRcnn.build(config);
            net.initialize(manager, DataType.FLOAT32);
            StateDicts.export(net).write(weights);
            Image image = ImageFactory.getInstance().fromFile(imageFile);
            NDArray chw = image.toNDArray(manager, Image.Flag.COLOR).transpose(2, 0, 1)
                    .toType(DataType.FLOAT32, false).div(255f);
            Detections d = net.detect(new ParameterStore(manager, false), List.of(chw)).get(0);
            expectedBoxes = d.boxes().toFloatArray();
            expectedScores = d.scores().toFloatArray();
        }
        Path modelJson = dir.resolve("model.json");
        Files.writeString(modelJson, model.toString());
        Path classes = dir.resolve("classes.txt");
        Files.writeString(classes, "circle\nsquare\ntriangle\n");
        Path artifactDir = dir.resolve("zoo").resolve("tiny_fpn");
        DetectorArtifact artifact = ImportWeights.run(Args.parse(new String[] {"--weights", weights.toString(),
                "--arch", "resnet_tiny", "--config", modelJson.toString(), "--classes", classes.toString(),
                "--output", artifactDir.toString()}), SINK);
        assertEquals(List.of("circle", "square", "triangle"), artifact.classNames());
        assertEquals("fpn", artifact.config().variant());

        Path json = Predict.run(Args.parse(new String[] {"--model", artifactDir.toString(), "--image",
                imageFile.toString(), "--output", dir.resolve("pred").toString()}), SINK);
        JsonArray results = JsonParser.parseString(Files.readString(json)).getAsJsonArray();
        assertEquals(expectedScores.length, results.size());
        assertTrue(results.size() > 0);
        for (int i = 0; i < results.size(); i++) {
            JsonObject r = results.get(i).getAsJsonObject();
            JsonArray b = r.getAsJsonArray("bbox");
            assertEquals(1, r.get("image_id").getAsLong());
            // float32 precision: the numbers read back as the model's own floats
            assertEquals(expectedScores[i], r.get("score").getAsFloat());
            assertEquals(expectedBoxes[4 * i], b.get(0).getAsFloat());
            assertEquals(expectedBoxes[4 * i + 1], b.get(1).getAsFloat());
            float height = expectedBoxes[4 * i + 3] - expectedBoxes[4 * i + 1];
            assertEquals(height, b.get(3).getAsFloat(), Math.ulp(height), "height = y2 - y1, within a float's rounding");
        }
        assertTrue(Files.isRegularFile(dir.resolve("pred").resolve("000001.png")), "image with boxes drawn");
    }

    @Test
    void aFileThatIsNoDetectorIsRefusedWithItsName(@TempDir Path dir) throws Exception {
        StateDict sd = new StateDict();
        sd.put("fc.weight", TensorData.ofFloats(new float[] {1f}, 1, 1));
        Path f = dir.resolve("classifier.safetensors");
        sd.write(f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImportWeights.run(Args.parse(new String[] {"--weights", f.toString()}), SINK));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("Faster R-CNN"), e.getMessage());
    }
}
