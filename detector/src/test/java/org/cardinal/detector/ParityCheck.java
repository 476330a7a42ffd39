package org.cardinal.detector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cardinal.backbone.weights.LoadReport;
import org.cardinal.backbone.weights.Npy;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.detector.ops.BoxOps;

/**
 * Compares this Faster R-CNN with torchvision's on a folder written by
 * src/test/resources/model/make_fixtures.py or make_c4_fixtures.py: model.json, fasterrcnn.pth,
 * image_i.npy and expected.safetensors (torchvision's transform batch, proposals and detections;
 * for C4 also ground truth and the losses of a training-mode forward).
 */
final class ParityCheck implements AutoCloseable {

    final NDManager manager;
    final FasterRcnn model;
    final StateDict expected;
    final List<NDArray> images = new ArrayList<>();

    ParityCheck(Path dir) throws IOException {
        this(dir, DetectorConfig.load(dir.resolve("model.json")));
    }

    /** The fixture in {@code dir} run with another config (to show what a difference does). */
    ParityCheck(Path dir, DetectorConfig config) throws IOException {
        manager = NDManager.newBaseManager();
        model = FasterRcnnFactory.create(config);
        model.initialize(manager, DataType.FLOAT32);
        LoadReport report = DetectorWeights.loadTorchvision(model, dir.resolve("fasterrcnn.pth"), true);
        assertTrue(report.missing().isEmpty() && report.unexpected().isEmpty(), report.toString());
        expected = StateDict.read(dir.resolve("expected.safetensors"));
        for (int i = 0; Files.exists(dir.resolve("image_" + i + ".npy")); i++) {
            images.add(Npy.read(dir.resolve("image_" + i + ".npy")).toNDArray(manager));
        }
    }

    /**
     * Same detections: every detection scoring clearly above the top-k cut (by more than the
     * tolerance; below it near-equal scores may swap) has a same-class twin with IoU > 0.99 and a
     * score within 0.01, in both directions.
     *
     * @return {worst IoU, worst score difference} over the checked detections
     */
    double[] checkDetections() {
        double worstIou = 1;
        double worstScore = 0;
        try (NDManager scope = manager.newSubManager()) {
            List<Detections> dets = model.detect(new ParameterStore(scope, false), images);
            for (int i = 0; i < images.size(); i++) {
                float[] tvBoxes = expected.get("boxes_" + i).toFloatArray();
                float[] tvScores = expected.get("scores_" + i).toFloatArray();
                long[] tvLabels = expected.get("labels_" + i).toNDArray(scope).toLongArray();
                Detections d = dets.get(i);
                assertEquals(4, d.boxes().getShape().get(1), "boxes are (D, 4)");
                float[] boxes = d.boxes().toFloatArray();
                float[] scores = d.scores().toFloatArray();
                long[] labels = d.labels().toLongArray();
                assertEquals(tvScores.length, scores.length, "image " + i + ": detection count");
                float cut = tvScores.length == 0 ? 0 : tvScores[tvScores.length - 1] + 0.01f;
                if (tvScores.length < 100) {
                    cut = 0; // no top-k cut: every detection must match
                }
                for (int a = 0; a < tvScores.length; a++) {
                    if (tvScores[a] < cut) {
                        continue;
                    }
                    int b = twin(tvBoxes, tvLabels[a], a, boxes, labels);
                    double iou = b < 0 ? 0 : iou(tvBoxes, a, boxes, b);
                    double diff = b < 0 ? 1 : Math.abs(tvScores[a] - scores[b]);
                    assertTrue(
                            iou > 0.99 && diff <= 0.01,
                            "image " + i + ": torchvision detection " + a + " (score " + tvScores[a]
                                    + ", label " + tvLabels[a] + "): best twin IoU " + iou
                                    + ", score difference " + diff);
                    worstIou = Math.min(worstIou, iou);
                    worstScore = Math.max(worstScore, diff);
                }
                for (int b = 0; b < scores.length; b++) {
                    if (scores[b] >= cut) {
                        int a = twin(boxes, labels[b], b, tvBoxes, tvLabels);
                        assertTrue(
                                a >= 0 && iou(boxes, b, tvBoxes, a) > 0.99,
                                "image " + i + ": detection " + b + " has no torchvision twin");
                    }
                }
            }
        }
        return new double[] {worstIou, worstScore};
    }

    /**
     * The best {@code top} torchvision proposals of each image have a twin (IoU > 0.99) among
     * ours, and the counts agree within a few (boxes at the NMS threshold may go either way).
     *
     * @return the worst best-IoU
     */
    double checkProposals(int top) {
        double worst = 1;
        try (NDManager scope = manager.newSubManager()) {
            List<NDArray> props = model.proposals(new ParameterStore(scope, false), images);
            for (int i = 0; i < images.size(); i++) {
                NDArray tv = expected.get("proposals_" + i).toNDArray(scope);
                NDArray mine = props.get(i);
                long n = tv.getShape().get(0);
                assertEquals(n, mine.getShape().get(0), Math.max(3, n / 100), "proposal count");
                NDArray best =
                        BoxOps.boxIou(tv.get(":" + Math.min(top, n)), mine).max(new int[] {1});
                float w = best.min().getFloat();
                assertTrue(w > 0.99f, "image " + i + ": worst best-IoU " + w);
                worst = Math.min(worst, w);
            }
        }
        return worst;
    }

    /**
     * The four losses of one training-mode forward on the fixture's ground truth agree with
     * torchvision's within {@code tolerance} relative (absolute below 1e-3). The fixture makes both
     * samplers take every anchor and RoI, so no random draw enters.
     *
     * @return per loss in {@link FasterRcnn#LOSS_NAMES} order {Cardinal, torchvision}
     */
    double[][] checkLosses(double tolerance) {
        double[][] out = new double[FasterRcnn.LOSS_NAMES.size()][];
        try (NDManager scope = manager.newSubManager();
                NDScope intermediates = new NDScope()) {
            List<Target> targets = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                targets.add(new Target(
                        expected.get("target_boxes_" + i).toNDArray(scope),
                        expected.get("target_labels_" + i).toNDArray(scope)));
            }
            Map<String, NDArray> losses = model.losses(new ParameterStore(scope, false), images, targets);
            for (int k = 0; k < out.length; k++) {
                String name = FasterRcnn.LOSS_NAMES.get(k);
                double mine = losses.get(name).getFloat();
                double tv = expected.get(name).toFloatArray()[0];
                out[k] = new double[] {mine, tv};
                assertEquals(tv, mine, tolerance * Math.max(Math.abs(tv), 1e-3), name);
            }
        }
        return out;
    }

    /** @return max abs difference of the normalized, resized, padded batch */
    double checkTransform() {
        try (NDManager scope = manager.newSubManager()) {
            ImageList batch = model.transform().apply(images);
            NDArray tv = expected.get("batch").toNDArray(scope);
            assertArrayEquals(
                    tv.getShape().getShape(), batch.tensors().getShape().getShape());
            float diff = batch.tensors().sub(tv).abs().max().getFloat();
            assertTrue(diff < 1e-4f, "max abs difference " + diff);
            long[] sizes = expected.get("image_sizes").toNDArray(scope).toLongArray();
            for (int i = 0; i < images.size(); i++) {
                assertEquals(sizes[2 * i], batch.imageSizes().get(i)[0], "height of image " + i);
                assertEquals(sizes[2 * i + 1], batch.imageSizes().get(i)[1], "width of image " + i);
            }
            return diff;
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
        return inter / (areaA + areaB - inter);
    }

    @Override
    public void close() {
        manager.close();
    }
}
