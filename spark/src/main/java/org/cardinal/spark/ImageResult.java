package org.cardinal.spark;

import java.io.Serializable;
import java.util.List;
import org.cardinal.coco.ImageEvaluation;
import org.cardinal.detector.results.CocoDetection;

/**
 * What a task produced for one image: its detections, in the model's order (highest score
 * first), or the reason it could not be read; and, with a ground truth, the image's COCO
 * evaluation.
 *
 * @param ref the image
 * @param detections its detections as COCO records (none for a failure)
 * @param failure why the image could not be read, or {@code null}
 * @param evaluation the image's COCO evaluation, or {@code null} (no ground truth, or a failure)
 */
record ImageResult(ImageRef ref, List<CocoDetection> detections, String failure, ImageEvaluation evaluation)
        implements Serializable {

    /** An image that could not be read. */
    static ImageResult failed(ImageRef ref, String reason) {
        return new ImageResult(ref, List.of(), reason, null);
    }
}
