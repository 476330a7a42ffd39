package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.backbone.weights.Npy;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.backbone.weights.TensorData;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.detector.Detections;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.FasterRcnnFactory;
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
        sd.put(
                "backbone.body.layer1.0.conv2.weight",
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
        assertEquals(
                "resnext101_32x8d", ImportWeights.inferBackbone(skeleton(new int[] {3, 4, 23, 3}, 256, 8, true), f));
        assertEquals(
                "resnext101_64x4d", ImportWeights.inferBackbone(skeleton(new int[] {3, 4, 23, 3}, 256, 4, true), f));
        assertEquals("resnet18", ImportWeights.inferBackbone(skeleton(new int[] {2, 2, 2, 2}, 64, 64, false), f));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ImportWeights.inferBackbone(skeleton(new int[] {1, 1, 1, 1}, 64, 64, true), f));
        assertTrue(e.getMessage().contains("resnet14") && e.getMessage().contains("--arch"), e.getMessage());
    }

    @Test
    void importedArtifactPredictsWhatTheOriginalModelDetects(@TempDir Path dir) throws Exception {
        JsonObject model = JsonParser.parseString(
                        "{\"backbone\": \"resnet_tiny\", \"num_classes\": 4, \"min_size\": 64,"
                                + " \"max_size\": 96, \"fpn_channels\": 16, \"representation_size\": 32, \"box_score_thresh\": 0.0,"
                                + " \"rpn_pre_nms_top_n_test\": 50, \"rpn_post_nms_top_n_test\": 20}")
                .getAsJsonObject();
        DetectorConfig config = DetectorConfig.fromJson(model, ConfigPath.root("test"));
        Path data = new SyntheticCocoGenerator(
                        SyntheticCocoGenerator.Options.defaults().withImages(0, 1))
                .ensure(dir.resolve("data"));
        Path imageFile = data.resolve("val").resolve("000001.png");
        Path weights = dir.resolve("tiny_fpn.safetensors");
        float[] expectedBoxes;
        float[] expectedScores;
        long[] expectedLabels;
        try (NDManager manager = NDManager.newBaseManager()) {
            FasterRcnn net = FasterRcnnFactory.create(config);
            net.initialize(manager, DataType.FLOAT32);
            StateDicts.export(net).write(weights);
            Image image = ImageFactory.getInstance().fromFile(imageFile);
            NDArray chw = image.toNDArray(manager, Image.Flag.COLOR)
                    .transpose(2, 0, 1)
                    .toType(DataType.FLOAT32, false)
                    .div(255f);
            Detections d =
                    net.detect(new ParameterStore(manager, false), List.of(chw)).get(0);
            expectedBoxes = d.boxes().toFloatArray();
            expectedScores = d.scores().toFloatArray();
            expectedLabels = d.labels().toLongArray();
        }
        Path modelJson = dir.resolve("model.json");
        Files.writeString(modelJson, model.toString());
        Path classes = dir.resolve("classes.txt");
        Files.writeString(classes, "circle\nsquare\ntriangle\n");
        Path artifactDir = dir.resolve("zoo").resolve("tiny_fpn");
        DetectorArtifact artifact = ImportWeights.run(
                Cli.options(new ImportWeights.Options(), new String[] {
                    "--weights",
                    weights.toString(),
                    // no --arch: the config's backbone stands (the tensors could not name resnet_tiny)
                    "--config",
                    modelJson.toString(),
                    "--classes",
                    classes.toString(),
                    "--output",
                    artifactDir.toString()
                }),
                SINK);
        assertEquals(List.of("circle", "square", "triangle"), artifact.classNames());
        assertEquals(DetectorConfig.Variant.FPN, artifact.config().variant());

        Path json = Predict.run(
                Cli.options(new Predict.Options(), new String[] {
                    "--model",
                    artifactDir.toString(),
                    "--image",
                    imageFile.toString(),
                    "--output",
                    dir.resolve("pred").toString()
                }),
                SINK);
        JsonArray results = JsonParser.parseString(Files.readString(json)).getAsJsonArray();
        assertEquals(expectedScores.length, results.size());
        assertTrue(results.size() > 0);
        for (int i = 0; i < results.size(); i++) {
            JsonObject r = results.get(i).getAsJsonObject();
            JsonArray b = r.getAsJsonArray("bbox");
            assertEquals(1, r.get("image_id").getAsLong());
            // every detection, all four coordinates, at float32 precision: COCO's [x, y, w, h]
            // from the model's own x1, y1, x2, y2 floats
            assertEquals(expectedScores[i], r.get("score").getAsFloat(), "detection " + i + " score");
            float x1 = expectedBoxes[4 * i];
            float y1 = expectedBoxes[4 * i + 1];
            float width = expectedBoxes[4 * i + 2] - x1;
            float height = expectedBoxes[4 * i + 3] - y1;
            assertEquals(x1, b.get(0).getAsFloat(), "detection " + i + " x");
            assertEquals(y1, b.get(1).getAsFloat(), "detection " + i + " y");
            assertEquals(width, b.get(2).getAsFloat(), Math.ulp(width), "detection " + i + " width");
            assertEquals(height, b.get(3).getAsFloat(), Math.ulp(height), "detection " + i + " height");
            // with --classes and no category ids, label k is category k
            assertEquals(expectedLabels[i], r.get("category_id").getAsLong(), "detection " + i + " category");
        }
        assertTrue(Files.isRegularFile(dir.resolve("pred").resolve("000001.png.png")), "image with boxes drawn");
    }

    /** A tiny C4 fixture of the detector module: torchvision's weights, images and detections. */
    private static Path c4Fixture(String arch) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path c = p.resolve("detector/src/test/resources/model/c4").resolve(arch);
            if (Files.isRegularFile(c.resolve("fasterrcnn.pth"))) {
                return c;
            }
        }
        throw new IllegalStateException("detector/src/test/resources/model/c4/" + arch + " not found");
    }

    @Test
    void importedTorchvisionC4CheckpointReproducesTorchvisionsDetections(@TempDir Path dir) throws Exception {
        Path fixture = c4Fixture("resnext_tiny");
        String weights = fixture.resolve("fasterrcnn.pth").toString();
        // torchvision's names (res5 as roi_heads.box_head.0.*) tell the variant without a config.
        DetectorArtifact detected = ImportWeights.run(
                Cli.options(new ImportWeights.Options(), new String[] {
                    "--weights",
                    weights,
                    "--arch",
                    "resnext_tiny",
                    "--output",
                    dir.resolve("detected").toString()
                }),
                SINK);
        assertEquals(DetectorConfig.Variant.C4, detected.config().variant());
        assertEquals(4, detected.config().numClasses());
        // The fixture's model config sets its image and anchor sizes.
        Path artifactDir = dir.resolve("zoo").resolve("c4");
        DetectorArtifact artifact = ImportWeights.run(
                Cli.options(new ImportWeights.Options(), new String[] {
                    "--weights",
                    weights,
                    "--arch",
                    "resnext_tiny",
                    "--config",
                    fixture.resolve("model.json").toString(),
                    "--output",
                    artifactDir.toString()
                }),
                SINK);
        assertEquals(DetectorConfig.load(fixture.resolve("model.json")), artifact.config());

        StateDict expected = StateDict.read(fixture.resolve("expected.safetensors"));
        try (ZooModel<Image, DetectedObjects> zoo =
                        ModelSource.resolve(artifactDir.toString(), null).load();
                NDManager scope = zoo.getNDManager().newSubManager()) {
            FasterRcnn net = (FasterRcnn) zoo.getBlock();
            List<NDArray> images = new ArrayList<>();
            for (int i = 0; Files.exists(fixture.resolve("image_" + i + ".npy")); i++) {
                images.add(Npy.read(fixture.resolve("image_" + i + ".npy")).toNDArray(scope));
            }
            List<Detections> dets = net.detect(new ParameterStore(scope, false), images);
            int checked = 0;
            for (int i = 0; i < images.size(); i++) {
                float[] tvBoxes = expected.get("boxes_" + i).toFloatArray();
                float[] tvScores = expected.get("scores_" + i).toFloatArray();
                long[] tvLabels = expected.get("labels_" + i).toNDArray(scope).toLongArray();
                float[] boxes = dets.get(i).boxes().toFloatArray();
                float[] scores = dets.get(i).scores().toFloatArray();
                long[] labels = dets.get(i).labels().toLongArray();
                assertEquals(tvScores.length, scores.length, "image " + i + ": detection count");
                // Below the last kept score plus the tolerance, near-equal scores may swap at the top-k cut.
                float cut = tvScores[tvScores.length - 1] + 0.01f;
                for (int a = 0; a < tvScores.length && tvScores[a] >= cut; a++, checked++) {
                    double best = 0;
                    double scoreDiff = 1;
                    for (int b = 0; b < scores.length; b++) {
                        double iou = labels[b] == tvLabels[a] ? iou(tvBoxes, a, boxes, b) : 0;
                        if (iou > best) {
                            best = iou;
                            scoreDiff = Math.abs(scores[b] - tvScores[a]);
                        }
                    }
                    assertTrue(
                            best > 0.99 && scoreDiff <= 0.01,
                            "image " + i + ", torchvision detection " + a + ": best IoU " + best + ", score difference "
                                    + scoreDiff);
                }
            }
            assertTrue(checked > 200, checked + " detections checked");
        }
    }

    @Test
    void aC4CheckpointForAnFpnConfigIsRefusedNamingFileAndParameter(@TempDir Path dir) throws Exception {
        Path weights = c4Fixture("resnet_tiny").resolve("fasterrcnn.pth");
        Path modelJson = dir.resolve("fpn.json");
        Files.writeString(modelJson, "{\"variant\": \"fpn\", \"min_size\": 160, \"max_size\": 224}");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ImportWeights.run(
                        Cli.options(new ImportWeights.Options(), new String[] {
                            "--weights",
                            weights.toString(),
                            "--arch",
                            "resnet_tiny",
                            "--config",
                            modelJson.toString(),
                            "--output",
                            dir.resolve("a").toString()
                        }),
                        SINK));
        assertTrue(
                e.getMessage().startsWith(weights.toString())
                        && e.getMessage().contains("'roi_heads.box_head.0.0.conv1.weight'")
                        && e.getMessage().contains("variant \"fpn\"")
                        && !e.getMessage().contains("\n"),
                e.getMessage());
    }

    private static double iou(float[] a, int i, float[] b, int j) {
        double w = Math.min(a[4 * i + 2], b[4 * j + 2]) - Math.max(a[4 * i], b[4 * j]);
        double h = Math.min(a[4 * i + 3], b[4 * j + 3]) - Math.max(a[4 * i + 1], b[4 * j + 1]);
        double inter = Math.max(0, w) * Math.max(0, h);
        double areaA = (a[4 * i + 2] - a[4 * i]) * (a[4 * i + 3] - a[4 * i + 1]);
        double areaB = (b[4 * j + 2] - b[4 * j]) * (b[4 * j + 3] - b[4 * j + 1]);
        return inter / (areaA + areaB - inter);
    }

    @Test
    void aConfigWhoseNumClassesTheClassifierContradictsIsRefused(@TempDir Path dir) throws Exception {
        StateDict sd = new StateDict();
        sd.put("roi_heads.box_predictor.cls_score.weight", TensorData.ofFloats(new float[10], 5, 2));
        Path f = dir.resolve("detector.safetensors");
        sd.write(f);
        Path modelJson = dir.resolve("model.json");
        Files.writeString(modelJson, "{\"variant\": \"fpn\", \"backbone\": \"resnet_tiny\", \"num_classes\": 4}");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ImportWeights.run(
                        Cli.options(
                                new ImportWeights.Options(),
                                new String[] {"--weights", f.toString(), "--config", modelJson.toString()}),
                        SINK));
        assertEquals(
                modelJson + ": field 'num_classes' is 4 but the classifier of " + f
                        + " has 5 outputs (classes + background)",
                e.getMessage());
    }

    @Test
    void aFileThatIsNoDetectorIsRefusedWithItsName(@TempDir Path dir) throws Exception {
        StateDict sd = new StateDict();
        sd.put("fc.weight", TensorData.ofFloats(new float[] {1f}, 1, 1));
        Path f = dir.resolve("classifier.safetensors");
        sd.write(f);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ImportWeights.run(
                        Cli.options(new ImportWeights.Options(), new String[] {"--weights", f.toString()}), SINK));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("Faster R-CNN"), e.getMessage());
    }
}
