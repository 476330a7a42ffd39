package org.cardinal.regnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.backbone.weights.Npy;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.detector.Detections;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.zoo.CardinalModelZoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * torchvision's FPN Faster R-CNN on a RegNetY body (fpn/make_fixtures.py: torchvision's RegNet,
 * its trunk stages taken by {@code create_feature_extractor}, torchvision's FPN, RPN and RoI heads,
 * seeded weights), imported by {@code tools/import-weights} in its own JVM with this plugin on the
 * class path and reloaded from the model zoo, gives torchvision's detections: every torchvision
 * detection scoring clearly above the top-100 cut has a same-class twin with IoU > 0.99 and a score
 * within 0.01, and the counts agree.
 */
class RegNetFpnParityTest {

    private static final String ARCH = "regnet_y_mini";

    @TempDir
    Path dir;

    @Test
    void importedTorchvisionRegNetFpnDetectorGivesTorchvisionsDetections() throws Exception {
        Path fixture = Fixtures.path("fpn/" + ARCH + "/model.json").getParent();
        Path zoo = dir.resolve("zoo");
        Tools.Run imported = Tools.java(
                dir,
                "org.cardinal.tools.ImportWeights",
                List.of(
                        "--weights",
                        fixture.resolve("fasterrcnn.pth").toString(),
                        "--config",
                        fixture.resolve("model.json").toString(),
                        "--output",
                        zoo.resolve(ARCH).toString()));
        assertEquals(0, imported.code(), imported.stdout() + imported.stderr());
        JsonObject config = JsonParser.parseString(
                        Files.readString(zoo.resolve(ARCH).resolve("config.json")))
                .getAsJsonObject();
        assertEquals("regnet", config.getAsJsonObject("backbone").get("type").getAsString(), "the artifact's type");

        StateDict expected = StateDict.read(fixture.resolve("expected.safetensors"));
        Criteria<Image, DetectedObjects> criteria = Criteria.builder()
                .setTypes(Image.class, DetectedObjects.class)
                .optModelZoo(CardinalModelZoo.of(zoo))
                .optArtifactId(ARCH)
                .build();
        try (ZooModel<Image, DetectedObjects> model = criteria.loadModel();
                NDManager scope = model.getNDManager().newSubManager()) {
            FasterRcnn net = (FasterRcnn) model.getBlock();
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
                    int b = twin(tvBoxes, tvLabels[a], a, boxes, labels);
                    double iou = b < 0 ? 0 : iou(tvBoxes, a, boxes, b);
                    double diff = b < 0 ? 1 : Math.abs(scores[b] - tvScores[a]);
                    assertTrue(
                            iou > 0.99 && diff <= 0.01,
                            "image " + i + ", torchvision detection " + a + ": best IoU " + iou + ", score difference "
                                    + diff);
                }
                for (int b = 0; b < scores.length && scores[b] >= cut; b++) {
                    int a = twin(boxes, labels[b], b, tvBoxes, tvLabels);
                    assertTrue(
                            a >= 0 && iou(boxes, b, tvBoxes, a) > 0.99,
                            "image " + i + ": detection " + b + " has no torchvision twin");
                }
            }
            assertTrue(checked > 100, checked + " detections checked");
        }
    }

    /** Index of the same-label box with the highest IoU, or -1. */
    private static int twin(float[] boxes, long label, int row, float[] others, long[] otherLabels) {
        int best = -1;
        double bestIou = 0;
        for (int j = 0; j < otherLabels.length; j++) {
            if (otherLabels[j] == label) {
                double iou = iou(boxes, row, others, j);
                if (iou > bestIou) {
                    bestIou = iou;
                    best = j;
                }
            }
        }
        return best;
    }

    private static double iou(float[] a, int i, float[] b, int j) {
        double ix1 = Math.max(a[4 * i], b[4 * j]);
        double iy1 = Math.max(a[4 * i + 1], b[4 * j + 1]);
        double ix2 = Math.min(a[4 * i + 2], b[4 * j + 2]);
        double iy2 = Math.min(a[4 * i + 3], b[4 * j + 3]);
        double inter = Math.max(0, ix2 - ix1) * Math.max(0, iy2 - iy1);
        double areaA = (a[4 * i + 2] - a[4 * i]) * (a[4 * i + 3] - a[4 * i + 1]);
        double areaB = (b[4 * j + 2] - b[4 * j]) * (b[4 * j + 3] - b[4 * j + 1]);
        double union = areaA + areaB - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
