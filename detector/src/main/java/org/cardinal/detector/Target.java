package org.cardinal.detector;

import ai.djl.ndarray.NDArray;

/**
 * Ground truth of one training image, as torchvision's target dict {@code {"boxes", "labels"}}.
 *
 * @param boxes (N, 4) float32, x1, y1, x2, y2 in absolute pixels of the image as given to the
 *     model (before its own resize); N may be 0
 * @param labels (N) int64, contiguous class labels 1..K (0 is background and never a target)
 */
public record Target(NDArray boxes, NDArray labels) {}
