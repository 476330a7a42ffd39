package org.cardinal.detector;

import ai.djl.ndarray.NDArray;

/**
 * Detections of one image, sorted by decreasing score, on the model's device.
 *
 * @param boxes (D, 4) float32, x1, y1, x2, y2 in absolute pixels: of the resized image when
 *     {@link RoiHeads} returns them, of the image as given once {@link FasterRcnn#detect} has
 *     undone its resize
 * @param scores (D) float32 class probabilities
 * @param labels (D) int64 contiguous class labels 1..K
 */
public record Detections(NDArray boxes, NDArray scores, NDArray labels) {}
