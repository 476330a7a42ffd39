package org.cardinal.detector.data;

import ai.djl.ndarray.NDArray;

/**
 * One decoded training or evaluation image with its targets.
 *
 * @param imageId COCO image id
 * @param image (3, H, W) float32 RGB in [0, 1]
 * @param boxes (N, 4) float32 x1, y1, x2, y2 in pixels of this (possibly flipped) image
 * @param labels (N) int64 contiguous labels 1..K
 * @param height H
 * @param width W
 * @param flipped whether the image and boxes were mirrored horizontally
 */
public record DetectionSample(
        long imageId, NDArray image, NDArray boxes, NDArray labels, int height, int width, boolean flipped) {}
