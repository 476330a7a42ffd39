package org.cardinal.detector;

import ai.djl.ndarray.NDArray;

/**
 * Detections of one image, sorted by decreasing score.
 *
 * @param boxes (D, 4) float32, x1, y1, x2, y2 in absolute pixels of the image as given to the
 *     model (the model's resize is undone)
 * @param scores (D) float32 class probabilities
 * @param labels (D) int64 contiguous class labels 1..K
 */
public record Detections(NDArray boxes, NDArray scores, NDArray labels) {}
