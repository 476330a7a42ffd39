package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generates the anchors of every feature level, with torchvision's {@code
 * models.detection.anchor_utils.AnchorGenerator} semantics.
 *
 * <p>Level l has {@code sizes[l].length * aspectRatios[l].length} zero-centred base anchors
 * (aspect ratio = height / width; {@code h = size * sqrt(r)}, {@code w = size / sqrt(r)}; corners
 * {@code (-w/2, -h/2, w/2, h/2)} rounded half-to-even to integers), ratio-major. They are shifted
 * to every cell of the level's grid with stride {@code floor(imageSize / gridSize)} per axis; the
 * result is ordered level, row (y), column (x), base anchor, in absolute x1, y1, x2, y2 pixels
 * of the padded batch image. Results are cached per (image size, grid sizes).
 */
public final class AnchorGenerator {

    private static final int CACHE_ENTRIES = 16;

    private final int[][] sizes;
    private final double[][] aspectRatios;
    private final float[][] cellAnchors;
    private final Map<String, float[]> cache = new LinkedHashMap<>(CACHE_ENTRIES, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };

    /**
     * @param sizes anchor sizes (square-root of area, pixels) per level
     * @param aspectRatios height/width ratios per level (same count of levels as sizes)
     */
    public AnchorGenerator(int[][] sizes, double[][] aspectRatios) {
        if (sizes == null || aspectRatios == null || sizes.length != aspectRatios.length) {
            throw new IllegalArgumentException(
                    "AnchorGenerator: sizes and aspectRatios need one entry per feature level, got "
                            + (sizes == null ? "null" : sizes.length)
                            + " and "
                            + (aspectRatios == null ? "null" : aspectRatios.length));
        }
        this.sizes = new int[sizes.length][];
        this.aspectRatios = new double[sizes.length][];
        this.cellAnchors = new float[sizes.length][];
        for (int l = 0; l < sizes.length; l++) {
            this.sizes[l] = sizes[l].clone();
            this.aspectRatios[l] = aspectRatios[l].clone();
            this.cellAnchors[l] = baseAnchors(sizes[l], aspectRatios[l]);
        }
    }

    /** torchvision's FPN default: sizes 32, 64, 128, 256, 512 (one per level), ratios 0.5, 1, 2. */
    public static AnchorGenerator fpnDefault() {
        int[][] s = {{32}, {64}, {128}, {256}, {512}};
        double[][] r = new double[5][];
        Arrays.fill(r, new double[] {0.5, 1.0, 2.0});
        return new AnchorGenerator(s, r);
    }

    /** Number of anchors per grid cell of every level. */
    public int[] numAnchorsPerLocation() {
        int[] out = new int[sizes.length];
        for (int l = 0; l < sizes.length; l++) {
            out[l] = sizes[l].length * aspectRatios[l].length;
        }
        return out;
    }

    /** Zero-centred base anchors of level l, (A, 4) row-major. */
    public float[] cellAnchors(int level) {
        return cellAnchors[level].clone();
    }

    /**
     * Anchors for one image of a batch (identical for every image, since the batch is padded to
     * one size).
     *
     * @param manager where the result is created (its device)
     * @param imageHeight padded batch height
     * @param imageWidth padded batch width
     * @param featureShapes shape of each level's feature map, last two axes (H, W)
     * @return (sum_l H_l * W_l * A_l, 4) float32
     */
    public NDArray anchors(NDManager manager, long imageHeight, long imageWidth, List<Shape> featureShapes) {
        if (featureShapes.size() != sizes.length) {
            throw new IllegalArgumentException(
                    "AnchorGenerator: configured for " + sizes.length + " feature levels, got " + featureShapes.size());
        }
        long[][] grids = new long[sizes.length][];
        StringBuilder key = new StringBuilder().append(imageHeight).append('x').append(imageWidth);
        for (int l = 0; l < sizes.length; l++) {
            Shape s = featureShapes.get(l);
            int d = s.dimension();
            if (d < 2 || s.get(d - 2) <= 0 || s.get(d - 1) <= 0) {
                throw new IllegalArgumentException("AnchorGenerator: feature level " + l + " has no (H, W) grid: " + s);
            }
            grids[l] = new long[] {s.get(d - 2), s.get(d - 1)};
            key.append(';').append(grids[l][0]).append('x').append(grids[l][1]);
        }
        float[] data;
        synchronized (cache) {
            data = cache.computeIfAbsent(key.toString(), k -> grid(imageHeight, imageWidth, grids));
        }
        // Deliberate host-to-device copy: anchors are constants computed once per shape.
        return manager.create(data, new Shape(data.length / 4, 4));
    }

    private float[] grid(long imageHeight, long imageWidth, long[][] grids) {
        long total = 0;
        for (int l = 0; l < grids.length; l++) {
            total += grids[l][0] * grids[l][1] * (cellAnchors[l].length / 4);
        }
        if (total * 4 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("AnchorGenerator: too many anchors: " + total);
        }
        float[] out = new float[(int) (total * 4)];
        int p = 0;
        for (int l = 0; l < grids.length; l++) {
            long gh = grids[l][0];
            long gw = grids[l][1];
            long strideY = imageHeight / gh;
            long strideX = imageWidth / gw;
            float[] base = cellAnchors[l];
            for (long y = 0; y < gh; y++) {
                float sy = y * strideY;
                for (long x = 0; x < gw; x++) {
                    float sx = x * strideX;
                    for (int a = 0; a < base.length; a += 4) {
                        out[p++] = sx + base[a];
                        out[p++] = sy + base[a + 1];
                        out[p++] = sx + base[a + 2];
                        out[p++] = sy + base[a + 3];
                    }
                }
            }
        }
        return out;
    }

    /** torchvision's generate_anchors in float32: ratio-major, rounded half to even. */
    static float[] baseAnchors(int[] scales, double[] ratios) {
        float[] out = new float[scales.length * ratios.length * 4];
        int p = 0;
        for (double ratio : ratios) {
            float hRatio = (float) Math.sqrt((float) ratio);
            float wRatio = 1f / hRatio;
            for (int scale : scales) {
                float ws = wRatio * scale;
                float hs = hRatio * scale;
                out[p++] = (float) Math.rint(-ws / 2f);
                out[p++] = (float) Math.rint(-hs / 2f);
                out[p++] = (float) Math.rint(ws / 2f);
                out[p++] = (float) Math.rint(hs / 2f);
            }
        }
        return out;
    }
}
