package org.cardinal.detector.data;

import ai.djl.ndarray.NDArray;

/**
 * Horizontal flip of an image and its boxes (torchvision's {@code RandomHorizontalFlip} for
 * detection): pixel column x moves to W - 1 - x and a box [x1, x2] becomes [W - x2, W - x1], so
 * that box edges, which lie between pixels, stay on the same pixel boundaries.
 */
public final class HorizontalFlip {

    private HorizontalFlip() {}

    /**
     * Mirrors a CHW image along its width axis.
     *
     * @param chw (C, H, W)
     * @return a new (C, H, W) array on the same manager
     */
    public static NDArray flipImage(NDArray chw) {
        return chw.flip(2);
    }

    /**
     * Mirrors flattened x1, y1, x2, y2 boxes in an image of width {@code width}.
     *
     * @param boxes 4 * n values
     * @param width image width in pixels
     * @return a new array of the mirrored boxes
     */
    public static float[] flipBoxes(float[] boxes, int width) {
        float[] out = new float[boxes.length];
        for (int i = 0; i < boxes.length; i += 4) {
            out[i] = width - boxes[i + 2];
            out[i + 1] = boxes[i + 1];
            out[i + 2] = width - boxes[i];
            out[i + 3] = boxes[i + 3];
        }
        return out;
    }
}
