package org.cardinal.detector.train;

/**
 * Detections of one image copied to the host for evaluation.
 *
 * @param boxes x1, y1, x2, y2 per detection, flattened (4 * D), original image pixels
 * @param scores D scores
 * @param labels D contiguous labels 1..K
 */
public record ImageDetections(float[] boxes, float[] scores, long[] labels) {

    /** Number of detections. */
    public int size() {
        return scores.length;
    }
}
