package org.cardinal.detector.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Small, pure box utilities with torchvision's {@code ops.boxes} semantics.
 *
 * <p>Boxes are float arrays whose last axis holds {@code x1, y1, x2, y2} in absolute pixels
 * (x1 <= x2, y1 <= y2 expected; no "+1" in widths). Every result lives on the device and in
 * the manager of the first argument; nothing is copied to the host.
 */
public final class BoxOps {

    private BoxOps() {}

    /**
     * Areas {@code (x2 - x1) * (y2 - y1)} of boxes of shape (N, 4).
     *
     * @param boxes (N, 4)
     * @return (N)
     */
    public static NDArray boxArea(NDArray boxes) {
        checkBoxes(boxes, "boxes");
        NDArray x1 = boxes.get(":, 0");
        NDArray y1 = boxes.get(":, 1");
        NDArray x2 = boxes.get(":, 2");
        NDArray y2 = boxes.get(":, 3");
        return x2.sub(x1).mul(y2.sub(y1));
    }

    /**
     * Pairwise intersection over union, as torchvision's {@code box_iou}.
     *
     * @param boxes1 (N, 4)
     * @param boxes2 (M, 4)
     * @return (N, M); a pair whose union is 0 gives NaN, as in torchvision
     */
    public static NDArray boxIou(NDArray boxes1, NDArray boxes2) {
        checkBoxes(boxes1, "boxes1");
        checkBoxes(boxes2, "boxes2");
        NDArray area1 = boxArea(boxes1);
        NDArray area2 = boxArea(boxes2);
        NDArray a = boxes1.expandDims(1); // (N,1,4)
        NDArray lt = a.get(":, :, :2").maximum(boxes2.get(":, :2")); // (N,M,2)
        NDArray rb = a.get(":, :, 2:").minimum(boxes2.get(":, 2:"));
        NDArray wh = rb.sub(lt).maximum(0f);
        NDArray inter = wh.get(":, :, 0").mul(wh.get(":, :, 1"));
        NDArray union = area1.expandDims(1).add(area2).sub(inter);
        return inter.div(union);
    }

    /**
     * Clamps x to [0, width] and y to [0, height], as torchvision's {@code clip_boxes_to_image}.
     *
     * @param boxes (..., 4)
     * @param height image height in pixels
     * @param width image width in pixels
     * @return clipped boxes of the same shape
     */
    public static NDArray clipBoxesToImage(NDArray boxes, long height, long width) {
        Shape shape = boxes.getShape();
        if (shape.dimension() < 1 || shape.get(shape.dimension() - 1) != 4) {
            throw new IllegalArgumentException("clipBoxesToImage: boxes must have shape (..., 4), got " + shape);
        }
        // One broadcast upper bound (w, h, w, h) keeps this a single clamp for any leading shape.
        NDArray upper = boxes.getManager()
                .create(new float[] {width, height, width, height})
                .toDevice(boxes.getDevice(), false)
                .toType(boxes.getDataType(), false);
        return boxes.maximum(0f).minimum(upper);
    }

    /**
     * Indices of boxes whose width and height are both at least {@code minSize}, as
     * torchvision's {@code remove_small_boxes}.
     *
     * @param boxes (N, 4)
     * @param minSize minimum side length in pixels
     * @return int64 (K) keep indices in increasing order
     */
    public static NDArray removeSmallBoxes(NDArray boxes, double minSize) {
        checkBoxes(boxes, "boxes");
        NDArray ws = boxes.get(":, 2").sub(boxes.get(":, 0"));
        NDArray hs = boxes.get(":, 3").sub(boxes.get(":, 1"));
        NDArray keep = ws.gte(minSize).logicalAnd(hs.gte(minSize));
        return keep.nonzero().reshape(-1).toType(DataType.INT64, false);
    }

    static void checkBoxes(NDArray boxes, String what) {
        Shape shape = boxes.getShape();
        if (shape.dimension() != 2 || shape.get(1) != 4) {
            throw new IllegalArgumentException(what + " must have shape (N, 4), got " + shape);
        }
    }
}
