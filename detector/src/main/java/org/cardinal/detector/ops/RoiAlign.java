package org.cardinal.detector.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.cardinal.core.train.Temporaries;

/**
 * RoIAlign (He et al., Mask R-CNN) with torchvision's {@code ops.roi_align} semantics, built
 * from differentiable NDArray ops so that gradients flow to the feature map.
 *
 * <p>Each output bin averages {@code gridH x gridW} bilinear samples. Sample rules as in
 * torchvision's kernel: a sample with {@code y < -1 || y > H} (or the same for x) contributes
 * 0; otherwise y is clamped to {@code >= 0} and, when {@code floor(y) >= H - 1}, snapped to
 * {@code H - 1}. With {@code aligned == false} RoI sizes are forced to at least 1 pixel; with
 * {@code aligned == true} coordinates are shifted by -0.5 (pixel centres).
 *
 * <p>How: the feature map is laid out channel-last as rows ({@code (N*H*W, C)}); the 4
 * neighbours of every sample of every RoI become (row index, bilinear weight) pairs, the weight
 * folding in validity and 1/count, and one weighted row reduction ({@link WeightedRows}) yields
 * all bins at once. No per-RoI loop, no host transfer except one scalar for the adaptive grid.
 */
public final class RoiAlign {

    private RoiAlign() {}

    /**
     * torchvision {@code roi_align(input, rois, (outH, outW), spatialScale, samplingRatio,
     * aligned)}.
     *
     * @param input (N, C, H, W) float32 feature map
     * @param rois (K, 5) float32 rows {@code [batchIndex, x1, y1, x2, y2]} in image coordinates
     * @param outH output height
     * @param outW output width
     * @param spatialScale image-to-feature scale (1 / stride)
     * @param samplingRatio samples per bin side; {@code <= 0} means adaptive {@code
     *     ceil(roiSize / outSize)} per RoI
     * @param aligned shift by half a pixel (torchvision's {@code aligned=True})
     * @return (K, C, outH, outW)
     */
    public static NDArray roiAlign(
            NDArray input, NDArray rois, int outH, int outW, double spatialScale, int samplingRatio, boolean aligned) {
        Shape in = input.getShape();
        if (in.dimension() != 4) {
            throw new IllegalArgumentException("roiAlign: input must be (N, C, H, W), got " + in);
        }
        checkRois(rois);
        long c = in.get(1);
        long h = in.get(2);
        long w = in.get(3);
        long k = rois.getShape().get(0);
        NDArray table = input.transpose(0, 2, 3, 1).reshape(-1, c);
        NDManager manager = rois.getManager();
        NDArray batch = rois.get(":, 0").toType(DataType.INT64, false);
        NDArray base = batch.mul(h * w);
        NDArray heights = full(manager, rois, k, h);
        NDArray widths = full(manager, rois, k, w);
        // torchvision's kernel holds the scale as a float too.
        NDArray scales = manager.full(new Shape(k), (float) spatialScale, DataType.FLOAT32, rois.getDevice());
        return pool(table, rois.get(":, 1:5"), base, heights, widths, scales, outH, outW, samplingRatio, aligned);
    }

    private static NDArray full(NDManager manager, NDArray like, long k, long value) {
        return manager.full(new Shape(k), (float) value, DataType.INT64, like.getDevice());
    }

    static void checkRois(NDArray rois) {
        Shape s = rois.getShape();
        if (s.dimension() != 2 || s.get(1) != 5) {
            throw new IllegalArgumentException("roiAlign: rois must be (K, 5) [batchIndex, x1, y1, x2, y2], got " + s);
        }
    }

    /**
     * Core shared with {@link MultiScaleRoiAlign}: RoI k reads the rows {@code base[k] + y *
     * widths[k] + x} of {@code table}, i.e. an (heights[k], widths[k]) map at stride 1 /
     * scales[k].
     *
     * @param table (S, C) channel-last feature rows
     * @param boxes (K, 4) x1, y1, x2, y2 in image coordinates
     * @param base (K) int64 first row of each RoI's map
     * @param heights (K) int64 map height per RoI
     * @param widths (K) int64 map width per RoI
     * @param scales (K) float32 spatial scale per RoI
     */
    static NDArray pool(
            NDArray table,
            NDArray boxes,
            NDArray base,
            NDArray heights,
            NDArray widths,
            NDArray scales,
            int outH,
            int outW,
            int samplingRatio,
            boolean aligned) {
        if (outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("roiAlign: output size must be positive, got " + outH + "x" + outW);
        }
        long k = boxes.getShape().get(0);
        long c = table.getShape().get(1);
        NDManager manager = boxes.getManager();
        if (k == 0) {
            return manager.zeros(new Shape(0, c, outH, outW), table.getDataType(), table.getDevice());
        }
        // Row indices and weights of every (bin, sample, corner), shaped (K * outH * outW, P): no
        // gradient flows through them, so their many intermediates are freed here.
        List<NDArray> rowsAndWeights = Temporaries.untracked(
                () -> samples(boxes, heights, widths, scales, base, outH, outW, samplingRatio, aligned, table),
                list -> list);
        NDArray index = rowsAndWeights.get(0);
        NDArray weight = rowsAndWeights.get(1);
        NDArray out = WeightedRows.reduce(table, index, weight);
        // what backward needs of the indices and weights, autograd keeps (Temporaries)
        index.close();
        weight.close();
        NDArray nhwc = Temporaries.release(out, out.reshape(k, outH, outW, c), null);
        return Temporaries.release(nhwc, nhwc.transpose(0, 3, 1, 2), null);
    }

    /** The row indices (int64) and weights (the table's type) of {@link #pool}, (K * outH * outW, P). */
    private static List<NDArray> samples(
            NDArray boxes,
            NDArray heights,
            NDArray widths,
            NDArray scales,
            NDArray base,
            int outH,
            int outW,
            int samplingRatio,
            boolean aligned,
            NDArray table) {
        long k = boxes.getShape().get(0);
        NDManager manager = boxes.getManager();
        NDArray b = boxes.toType(DataType.FLOAT32, false);
        NDArray scale = scales.reshape(k, 1);
        float offset = aligned ? 0.5f : 0f;
        NDArray start = b.get(":, 0:2").mul(scale).sub(offset); // (K,2) x, y
        NDArray end = b.get(":, 2:4").mul(scale).sub(offset);
        NDArray size = end.sub(start);
        if (!aligned) {
            // torchvision's legacy behaviour: force malformed RoIs to be at least 1x1.
            size = size.maximum(1f);
        }
        NDArray outSize = manager.create(new float[] {outW, outH}).toDevice(b.getDevice(), false);
        NDArray bin = size.div(outSize); // (K,2) binW, binH
        NDArray grid; // (K,2) samples per bin along x, y
        int gx;
        int gy;
        if (samplingRatio > 0) {
            grid = manager.full(new Shape(k, 2), (float) samplingRatio, DataType.FLOAT32, b.getDevice());
            gx = samplingRatio;
            gy = samplingRatio;
        } else {
            grid = bin.ceil();
            // Deliberate host transfer of two scalars: the largest adaptive grid per axis fixes
            // the number of sample slots; RoIs with fewer samples mask the extra slots out.
            float[] max = grid.max(new int[] {0}).toFloatArray();
            gx = Math.max((int) max[0], 1);
            gy = Math.max((int) max[1], 1);
        }
        NDArray count = grid.get(":, 0").mul(grid.get(":, 1")).maximum(1f); // (K)
        Axis x = axis(start.get(":, 0"), bin.get(":, 0"), grid.get(":, 0"), widths, outW, gx);
        Axis y = axis(start.get(":, 1"), bin.get(":, 1"), grid.get(":, 1"), heights, outH, gy);
        long points = (long) gy * gx * 4;
        // Row indices and weights of every (bin, sample, corner), shaped (K, outH, outW, P).
        NDArray rowY = y.index.mul(widths.reshape(k, 1, 1, 1)); // (K,outH,gy,2)
        NDArray index = rowY.reshape(k, outH, 1, gy, 1, 2, 1)
                .add(x.index.reshape(k, 1, outW, 1, gx, 1, 2))
                .add(base.reshape(k, 1, 1, 1, 1, 1, 1))
                .reshape(k * outH * outW, points);
        NDArray weight = y.weight
                .div(count.reshape(k, 1, 1, 1))
                .reshape(k, outH, 1, gy, 1, 2, 1)
                .mul(x.weight.reshape(k, 1, outW, 1, gx, 1, 2))
                .reshape(k * outH * outW, points)
                .toType(table.getDataType(), false)
                // Like torchvision, no gradient flows to the box coordinates.
                .stopGradient();
        return List.of(index, weight);
    }

    /** Neighbour indices (K, out, g, 2) int64 and weights (K, out, g, 2) along one axis. */
    private record Axis(NDArray index, NDArray weight) {}

    private static Axis axis(NDArray start, NDArray bin, NDArray grid, NDArray limit, int out, int g) {
        NDManager manager = start.getManager();
        long k = start.getShape().get(0);
        NDArray ph = manager.arange(0f, (float) out, 1f, DataType.FLOAT32, start.getDevice())
                .reshape(1, out, 1);
        NDArray it = manager.arange(0f, (float) g, 1f, DataType.FLOAT32, start.getDevice())
                .reshape(1, 1, g);
        NDArray bin3 = bin.reshape(k, 1, 1);
        NDArray grid3 = grid.reshape(k, 1, 1);
        // Same evaluation order as torchvision's kernel:
        // start + p * bin + (i + 0.5) * bin / grid.
        // An empty adaptive grid (zero-size aligned RoI) has no samples; dividing by 1 instead of 0
        // keeps the masked-out slots finite.
        NDArray pos = start.reshape(k, 1, 1)
                .add(ph.mul(bin3))
                .add(it.add(0.5f).mul(bin3).div(grid3.maximum(1f))); // (K,out,g)
        NDArray size = limit.toType(DataType.FLOAT32, false).reshape(k, 1, 1);
        NDArray valid = pos.gte(-1f).logicalAnd(pos.lte(size));
        // Adaptive grids: slots beyond this RoI's own grid carry no weight.
        valid = valid.logicalAnd(it.lt(grid3));
        // Invalid samples (also NaN boxes from a diverging run) read cell 0 with weight 0, so
        // every gathered index stays inside the map.
        pos = NDArrays.where(valid, pos, pos.zerosLike()).maximum(0f);
        NDArray low = pos.floor();
        NDArray last = size.sub(1f);
        NDArray atEnd = low.gte(last);
        NDArray lowC = NDArrays.where(atEnd, last.broadcast(low.getShape()), low);
        NDArray highC = NDArrays.where(atEnd, last.broadcast(low.getShape()), low.add(1f));
        NDArray posC = NDArrays.where(atEnd, lowC, pos);
        NDArray l = posC.sub(lowC);
        NDArray hgt = l.neg().add(1f);
        NDArray v = valid.toType(DataType.FLOAT32, false);
        NDArray weight = hgt.mul(v).expandDims(3).concat(l.mul(v).expandDims(3), 3);
        NDArray index = lowC.expandDims(3).concat(highC.expandDims(3), 3).toType(DataType.INT64, false);
        return new Axis(index, weight);
    }
}
