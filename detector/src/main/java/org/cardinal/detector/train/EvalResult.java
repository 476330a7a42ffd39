package org.cardinal.detector.train;

import java.util.Map;

/**
 * A COCO bbox evaluation of the model on the val split during or after training.
 *
 * @param iteration iterations done when it was evaluated
 * @param stats the 12 COCO numbers in pycocotools' order (AP, AP50, AP75, APs, APm, APl, AR1,
 *     AR10, AR100, ARs, ARm, ARl); -1 where undefined
 * @param perCategoryAp AP@[.5:.95] per COCO category id (-1 where undefined)
 * @param numImages images evaluated
 * @param numDetections detections submitted
 * @param seconds wall time of inference plus evaluation
 * @param summary pycocotools' 12-line summary text
 */
public record EvalResult(
        int iteration,
        double[] stats,
        Map<Integer, Double> perCategoryAp,
        int numImages,
        long numDetections,
        double seconds,
        String summary) {

    /** AP@[.5:.95]. */
    public double ap() {
        return stats[0];
    }

    /** AP@0.5. */
    public double ap50() {
        return stats[1];
    }

    /** AP@0.75. */
    public double ap75() {
        return stats[2];
    }
}
