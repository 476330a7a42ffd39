package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * Encodes boxes as regression targets relative to reference boxes and decodes them back, exactly
 * as torchvision's {@code models.detection._utils.BoxCoder} (R-CNN parameterisation, widths
 * {@code x2 - x1} without "+1").
 *
 * <p>For a reference box with centre (x, y) and size (w, h) and a target box (x', y', w', h'):
 * {@code dx = wx (x' - x) / w}, {@code dy = wy (y' - y) / h}, {@code dw = ww log(w' / w)},
 * {@code dh = wh log(h' / h)}. Decoding clamps {@code dw, dh} (after dividing by the weights) at
 * {@code bboxXformClip} so that exp() cannot overflow.
 */
public final class BoxCoder {

    /** torchvision's default clamp, log(1000 / 16). */
    public static final double DEFAULT_BBOX_XFORM_CLIP = Math.log(1000.0 / 16);

    private final float wx;
    private final float wy;
    private final float ww;
    private final float wh;
    private final float bboxXformClip;

    /** Coder with weights {wx, wy, ww, wh} and the default clamp log(1000/16). */
    public BoxCoder(double[] weights) {
        this(weights, DEFAULT_BBOX_XFORM_CLIP);
    }

    /** Coder with weights {wx, wy, ww, wh} and clamp {@code bboxXformClip} for dw, dh. */
    public BoxCoder(double[] weights, double bboxXformClip) {
        if (weights == null || weights.length != 4) {
            throw new IllegalArgumentException("BoxCoder: weights must have 4 entries (wx, wy, ww, wh)");
        }
        this.wx = (float) weights[0];
        this.wy = (float) weights[1];
        this.ww = (float) weights[2];
        this.wh = (float) weights[3];
        this.bboxXformClip = (float) bboxXformClip;
    }

    /** The weights {wx, wy, ww, wh}. */
    public double[] weights() {
        return new double[] {wx, wy, ww, wh};
    }

    /**
     * Regression targets of {@code matchedGt} relative to {@code proposals}.
     *
     * @param matchedGt (N, 4) target boxes
     * @param proposals (N, 4) reference boxes (anchors or proposals)
     * @return (N, 4) dx, dy, dw, dh
     */
    public NDArray encode(NDArray matchedGt, NDArray proposals) {
        check(matchedGt, "matchedGt", 4);
        check(proposals, "proposals", 4);
        NDArray exW = col(proposals, 2).sub(col(proposals, 0));
        NDArray exH = col(proposals, 3).sub(col(proposals, 1));
        NDArray exX = col(proposals, 0).add(exW.mul(0.5f));
        NDArray exY = col(proposals, 1).add(exH.mul(0.5f));
        NDArray gtW = col(matchedGt, 2).sub(col(matchedGt, 0));
        NDArray gtH = col(matchedGt, 3).sub(col(matchedGt, 1));
        NDArray gtX = col(matchedGt, 0).add(gtW.mul(0.5f));
        NDArray gtY = col(matchedGt, 1).add(gtH.mul(0.5f));
        NDArray dx = gtX.sub(exX).mul(wx).div(exW);
        NDArray dy = gtY.sub(exY).mul(wy).div(exH);
        NDArray dw = gtW.div(exW).log().mul(ww);
        NDArray dh = gtH.div(exH).log().mul(wh);
        return NDArrays.concat(new NDList(dx, dy, dw, dh), 1);
    }

    /**
     * Applies deltas to reference boxes.
     *
     * @param deltas (N, 4K) dx, dy, dw, dh for K classes (K = 1 for the RPN)
     * @param boxes (N, 4) reference boxes
     * @return (N, 4K) decoded boxes x1, y1, x2, y2 per class
     */
    public NDArray decode(NDArray deltas, NDArray boxes) {
        check(boxes, "boxes", 4);
        Shape ds = deltas.getShape();
        long n = boxes.getShape().get(0);
        if (ds.dimension() != 2 || ds.get(0) != n || ds.get(1) % 4 != 0) {
            throw new IllegalArgumentException("BoxCoder.decode: deltas must be (N, 4K) with N = " + n + ", got " + ds);
        }
        long k = ds.get(1) / 4;
        NDArray b = boxes.toType(deltas.getDataType(), false);
        NDArray widths = col(b, 2).sub(col(b, 0)); // (N,1)
        NDArray heights = col(b, 3).sub(col(b, 1));
        NDArray ctrX = col(b, 0).add(widths.mul(0.5f));
        NDArray ctrY = col(b, 1).add(heights.mul(0.5f));
        NDArray d = deltas.reshape(n, k, 4);
        NDArray dx = d.get(":, :, 0").div(wx); // (N,K)
        NDArray dy = d.get(":, :, 1").div(wy);
        NDArray dw = d.get(":, :, 2").div(ww).minimum(bboxXformClip);
        NDArray dh = d.get(":, :, 3").div(wh).minimum(bboxXformClip);
        NDArray predX = dx.mul(widths).add(ctrX);
        NDArray predY = dy.mul(heights).add(ctrY);
        NDArray halfW = dw.exp().mul(widths).mul(0.5f);
        NDArray halfH = dh.exp().mul(heights).mul(0.5f);
        NDList corners = new NDList(predX.sub(halfW), predY.sub(halfH), predX.add(halfW), predY.add(halfH));
        return NDArrays.stack(corners, 2).reshape(n, 4 * k);
    }

    private static NDArray col(NDArray boxes, int i) {
        return boxes.get(":, " + i + ":" + (i + 1));
    }

    private static void check(NDArray boxes, String what, long cols) {
        Shape s = boxes.getShape();
        if (s.dimension() != 2 || s.get(1) != cols) {
            throw new IllegalArgumentException("BoxCoder: " + what + " must have shape (N, " + cols + "), got " + s);
        }
    }
}
