package org.cardinal.detector.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.coco.CocoEvalResult;
import org.cardinal.coco.CocoEvaluator;
import org.cardinal.coco.CocoGroundTruth;
import org.cardinal.coco.ScoredBox;
import org.cardinal.core.train.StopRequest;
import org.cardinal.core.train.StoppedException;
import org.cardinal.detector.Detections;
import org.cardinal.detector.TrainableDetector;
import org.cardinal.detector.data.CocoDetectionDataset;
import org.cardinal.detector.data.DetectionBatch;
import org.cardinal.detector.data.DetectionSample;
import org.cardinal.detector.data.PrefetchingLoader;

/**
 * COCO bbox evaluation of a detector on a val split, in process: inference over every image in
 * order, contiguous labels mapped back to the training set's COCO category ids (labels beyond
 * them, from a model with spare outputs, are dropped: no category is scored for them), boxes
 * converted to [x, y, w, h],
 * and coco-eval's {@link CocoEvaluator} (pycocotools semantics, including crowd regions, which
 * the ground truth read from the same instances file keeps).
 */
public final class ValidationEvaluator {

    private final CocoDetectionDataset dataset;
    private final CocoGroundTruth groundTruth;
    private final int[] categoryIds;

    /**
     * @param dataset the val split (its instances file is also the evaluation ground truth)
     * @param categoryIds the COCO category id of each label 1..K the model was trained with, in
     *     label order (the training set's {@link CocoDetectionDataset#categoryIds()})
     */
    public ValidationEvaluator(CocoDetectionDataset dataset, int[] categoryIds) {
        this.dataset = dataset;
        this.groundTruth = CocoGroundTruth.read(dataset.annotationFile());
        this.categoryIds = categoryIds.clone();
    }

    /** The val split. */
    public CocoDetectionDataset dataset() {
        return dataset;
    }

    /**
     * Runs inference and evaluates.
     *
     * @param model the detector
     * @param store parameter store of the model
     * @param device device the model runs on
     * @param hostManager manager for decoded images
     * @param batchSize images per inference batch
     * @param numWorkers decoding threads
     * @param iteration iteration to report
     * @param stop polled between batches
     * @return the 12 COCO numbers and per-category AP
     * @throws IOException when an image cannot be read
     * @throws StoppedException when a stop is asked for before the last batch
     */
    public EvalResult evaluate(
            TrainableDetector model,
            ParameterStore store,
            Device device,
            NDManager hostManager,
            int batchSize,
            int numWorkers,
            int iteration,
            StopRequest stop)
            throws IOException {
        long begin = System.nanoTime();
        CocoEvaluator evaluator = new CocoEvaluator(groundTruth);
        try (PrefetchingLoader loader = PrefetchingLoader.inOrder(dataset, hostManager, batchSize, numWorkers, 2)) {
            while (loader.hasNext()) {
                stop.throwIfRequested("during the evaluation at iteration " + iteration);
                try (DetectionBatch batch = loader.next();
                        NDScope arrays = new NDScope(); // also frees arrays derived from params
                        NDManager scope = hostManager.newSubManager(device)) {
                    arrays.suppressNotUsedWarning();
                    List<NDArray> images = new ArrayList<>();
                    for (DetectionSample s : batch.samples()) {
                        NDArray img = s.image();
                        if (!img.getDevice().equals(device)) {
                            img = img.toDevice(device, true);
                            img.attach(scope);
                        }
                        images.add(img);
                    }
                    List<Detections> dets = model.detect(store, images);
                    for (int i = 0; i < dets.size(); i++) {
                        evaluator.add(batch.samples().get(i).imageId(), toCoco(dets.get(i)));
                    }
                }
            }
        }
        CocoEvalResult result = evaluator.evaluate();
        return new EvalResult(
                iteration,
                result.stats(),
                result.perCategoryAp(),
                result.numImages(),
                evaluator.numDetections(),
                (System.nanoTime() - begin) / 1e9,
                result.summaryText());
    }

    private List<ScoredBox> toCoco(Detections d) {
        // deliberate host transfer: evaluation runs on the CPU
        float[] b = d.boxes().toFloatArray();
        float[] scores = d.scores().toFloatArray();
        long[] labels = d.labels().toLongArray();
        List<ScoredBox> out = new ArrayList<>(scores.length);
        for (int j = 0; j < scores.length; j++) {
            if (labels[j] < 1 || labels[j] > categoryIds.length) {
                continue;
            }
            int categoryId = categoryIds[(int) labels[j] - 1];
            out.add(ScoredBox.fromCorners(categoryId, b[4 * j], b[4 * j + 1], b[4 * j + 2], b[4 * j + 3], scores[j]));
        }
        return out;
    }
}
