package org.cardinal.detector.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Multi-scale RoIAlign of the FPN paper (eq. 1), with torchvision's {@code MultiScaleRoIAlign}
 * semantics: a RoI of area {@code a} (image pixels) is pooled from level {@code k =
 * floor(4 + log2(sqrt(a) / 224) + 1e-6)} clamped to the levels present; level scales are
 * inferred as {@code 2^round(log2(featureHeight / maxImageHeight))}; {@code aligned = false}.
 *
 * <p>The levels are picked from the backbone's output by name, as torchvision's {@code
 * featmap_names} (FPN: "0".."3", leaving out the RPN-only "pool" level; C4: "0"). Like
 * torchvision, the scales and level range are inferred on the first call and kept. All levels
 * are pooled by a single gather over their concatenated channel-last rows, so RoIs of every level
 * are processed together and no RoI leaves the device.
 */
public final class MultiScaleRoiAlign {

    private static final int CANONICAL_SCALE = 224;
    private static final int CANONICAL_LEVEL = 4;
    private static final float EPS = 1e-6f;

    private final List<String> featmapNames;
    private final int outH;
    private final int outW;
    private final int samplingRatio;
    private volatile float[] scales;

    /**
     * Square output, e.g. {@code new MultiScaleRoiAlign(List.of("0", "1", "2", "3"), 7, 2)} as
     * torchvision's FPN box head.
     *
     * @param featmapNames the levels to pool from, finest first
     * @param outputSize bins per side
     * @param samplingRatio sampling points per bin side (0 = adaptive, ceil(bin size))
     */
    public MultiScaleRoiAlign(List<String> featmapNames, int outputSize, int samplingRatio) {
        if (featmapNames.isEmpty()) {
            throw new IllegalArgumentException("MultiScaleRoiAlign: no feature map names given");
        }
        if (outputSize <= 0) {
            throw new IllegalArgumentException("MultiScaleRoiAlign: output size must be positive, got " + outputSize);
        }
        this.featmapNames = List.copyOf(featmapNames);
        this.outH = outputSize;
        this.outW = outputSize;
        this.samplingRatio = samplingRatio;
    }

    /** @return the names of the levels pooled from, finest first */
    public List<String> featmapNames() {
        return featmapNames;
    }

    /** @return bins per side of the output */
    public int outputSize() {
        return outH;
    }

    /**
     * Pools every box from its level.
     *
     * @param features the backbone's output, each map named (N, C, H_l, W_l); those named by
     *     {@link #featmapNames()} are used
     * @param boxes per image (N_i, 4) x1, y1, x2, y2 in input-image pixels
     * @param imageSizes per image {height, width} of the image before batch padding
     * @return (sum N_i, C, outH, outW) in the order of the concatenated boxes
     */
    public NDArray forward(NDList features, List<NDArray> boxes, List<long[]> imageSizes) {
        List<NDArray> levels = new ArrayList<>(featmapNames.size());
        for (String name : featmapNames) {
            NDArray level = features.get(name);
            if (level == null) {
                throw new IllegalArgumentException(
                        "MultiScaleRoiAlign: the backbone gives no feature map named '" + name + "'");
            }
            levels.add(level);
        }
        return pool(levels, boxes, imageSizes);
    }

    /**
     * Pools every box from its level.
     *
     * @param features the levels to pool from, finest first, each (N, C, H_l, W_l)
     * @param boxes per image (N_i, 4) x1, y1, x2, y2 in input-image pixels
     * @param imageSizes per image {height, width} of the image before batch padding
     * @return (sum N_i, C, outH, outW) in the order of the concatenated boxes
     */
    public NDArray pool(List<NDArray> features, List<NDArray> boxes, List<long[]> imageSizes) {
        if (features.isEmpty()) {
            throw new IllegalArgumentException("MultiScaleRoiAlign: no feature maps given");
        }
        float[] s = scales(features, imageSizes);
        NDArray rois = convertToRoiFormat(boxes);
        if (features.size() == 1) {
            return RoiAlign.roiAlign(features.get(0), rois, outH, outW, s[0], samplingRatio, false);
        }
        long k = rois.getShape().get(0);
        NDManager manager = rois.getManager();
        int levels = features.size();
        long c = features.get(0).getShape().get(1);
        if (k == 0) {
            return manager.zeros(
                    new Shape(0, c, outH, outW),
                    features.get(0).getDataType(),
                    features.get(0).getDevice());
        }
        long[] first = new long[levels];
        long[] mapH = new long[levels];
        long[] mapW = new long[levels];
        NDList tables = new NDList(levels);
        long rows = 0;
        for (int l = 0; l < levels; l++) {
            Shape shape = features.get(l).getShape();
            if (shape.dimension() != 4 || shape.get(1) != c) {
                throw new IllegalArgumentException(
                        "MultiScaleRoiAlign: level " + l + " must be (N, " + c + ", H, W) like level 0, got " + shape);
            }
            first[l] = rows;
            mapH[l] = shape.get(2);
            mapW[l] = shape.get(3);
            rows += shape.get(0) * mapH[l] * mapW[l];
            tables.add(features.get(l).transpose(0, 2, 3, 1).reshape(-1, c));
        }
        // one level: the array itself (DJL's concat of one array is a copy autograd may not trace)
        NDArray table = levels == 1 ? tables.get(0) : NDArrays.concat(tables, 0);
        if (levels > 1) {
            // Copies of the maps, freed once used (Temporaries): all levels' rows are in the table.
            tables.close();
        }
        NDArray level = levels(rois.get(":, 1:5"), s);
        // Per-level constants are tiny; RoIs pick theirs by their level index.
        NDArray h = constant(manager, mapH, rois).get(level);
        NDArray w = constant(manager, mapW, rois).get(level);
        NDArray start = constant(manager, first, rois).get(level);
        float[] perLevelScale = s.clone();
        NDArray scale =
                manager.create(perLevelScale).toDevice(rois.getDevice(), false).get(level);
        NDArray batch = rois.get(":, 0").toType(DataType.INT64, false);
        NDArray base = start.add(batch.mul(h).mul(w));
        NDArray pooled = RoiAlign.pool(table, rois.get(":, 1:5"), base, h, w, scale, outH, outW, samplingRatio, false);
        // The channel-last copy of every map (the pyramid's size again): backward does not read it,
        // as the gradient w.r.t. the table is the sparse weights' transpose times the output's.
        table.close();
        return pooled;
    }

    /**
     * FPN level of each box, 0 being the finest level given, as torchvision's {@code
     * LevelMapper}.
     *
     * @param boxes (K, 4) in input-image pixels
     * @param scales the spatial scale of every level, finest first
     * @return int64 (K)
     */
    public static NDArray levels(NDArray boxes, float[] scales) {
        // Scales are powers of two, so the exponent is log2 exactly.
        int kMin = -Math.getExponent(scales[0]);
        int kMax = -Math.getExponent(scales[scales.length - 1]);
        NDArray size = BoxOps.boxArea(boxes).sqrt();
        NDArray lvl = size.div((float) CANONICAL_SCALE)
                .log2()
                .add((float) CANONICAL_LEVEL)
                .add(EPS);
        return lvl.floor().clip(kMin, kMax).toType(DataType.INT64, false).sub(kMin);
    }

    /**
     * The spatial scale of every level, inferred on the first call as torchvision does.
     *
     * @param features the levels, finest first
     * @param imageSizes per image {height, width}
     * @return scale per level
     */
    public float[] scales(List<NDArray> features, List<long[]> imageSizes) {
        float[] s = scales;
        if (s == null) {
            s = inferScales(features, imageSizes);
            scales = s;
        }
        return s;
    }

    static float[] inferScales(List<NDArray> features, List<long[]> imageSizes) {
        if (imageSizes == null || imageSizes.isEmpty()) {
            throw new IllegalArgumentException("MultiScaleRoiAlign: imageSizes must not be empty");
        }
        long maxH = 0;
        for (long[] size : imageSizes) {
            maxH = Math.max(maxH, size[0]);
        }
        float[] out = new float[features.size()];
        for (int l = 0; l < out.length; l++) {
            // torchvision rounds log2 of a float32 ratio of the heights (first dimension).
            float approx = (float) ((double) features.get(l).getShape().get(2) / maxH);
            out[l] = (float) Math.pow(2, Math.rint(log2(approx)));
        }
        return out;
    }

    /**
     * torchvision's {@code _convert_to_roi_format}: per-image boxes to (K, 5) rows {@code
     * [imageIndex, x1, y1, x2, y2]}.
     *
     * @param boxes per image (N_i, 4)
     * @return (sum N_i, 5)
     */
    public static NDArray convertToRoiFormat(List<NDArray> boxes) {
        if (boxes.isEmpty()) {
            throw new IllegalArgumentException("MultiScaleRoiAlign: boxes list is empty");
        }
        NDList rows = new NDList(boxes.size());
        for (int i = 0; i < boxes.size(); i++) {
            NDArray b = boxes.get(i);
            BoxOps.checkBoxes(b, "boxes of image " + i);
            NDArray id = b.get(":, :1").zerosLike().add((float) i);
            rows.add(id.concat(b, 1));
        }
        return rows.size() == 1 ? rows.singletonOrThrow() : NDArrays.concat(rows, 0);
    }

    private static NDArray constant(NDManager manager, long[] values, NDArray like) {
        return manager.create(values).toDevice(like.getDevice(), false);
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }
}
