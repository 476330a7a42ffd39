package org.cardinal.spark;

import java.io.Serializable;
import org.cardinal.coco.ImageEvaluation;

/**
 * What a task produced for one image: its detections, in the model's order (highest score
 * first), as float32 in the image's pixels, or the reason it could not be read; and, with a
 * ground truth, the image's COCO evaluation.
 *
 * @param ref the image
 * @param categoryIds COCO category id per detection (-1 for a class the artifact maps to none)
 * @param categories class name per detection
 * @param scores score per detection
 * @param boxes x, y, width, height per detection (4 per detection)
 * @param failure why the image could not be read, or {@code null}
 * @param evaluation the image's COCO evaluation, or {@code null} (no ground truth, or a failure)
 */
record ImageResult(
        ImageRef ref,
        int[] categoryIds,
        String[] categories,
        float[] scores,
        float[] boxes,
        String failure,
        ImageEvaluation evaluation)
        implements Serializable {

    /** An image that could not be read. */
    static ImageResult failed(ImageRef ref, String reason) {
        return new ImageResult(ref, new int[0], new String[0], new float[0], new float[0], reason, null);
    }

    int numDetections() {
        return scores.length;
    }
}
