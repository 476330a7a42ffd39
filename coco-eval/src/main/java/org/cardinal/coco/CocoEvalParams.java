package org.cardinal.coco;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The parameters of a bbox evaluation, pycocotools' {@code Params} with {@code iouType="bbox"}.
 *
 * <p>Defaults: IoU thresholds 0.50:0.05:0.95 (computed as numpy's {@code linspace} does, so
 * 0.9 is 0.8999999999999999 as there), 101 recall thresholds 0:0.01:1, area ranges all
 * [0, 1e10], small [0, 32^2], medium [32^2, 96^2], large [96^2, 1e10] in square pixels of the
 * ground truth's {@code area} field, maxDets 1, 10, 100, all images and all categories of the
 * ground truth ({@code imgIds}/{@code catIds} empty means all). As in pycocotools, image and
 * category ids are used sorted and without repeats, and maxDets sorted.
 *
 * <p>The 12 summary numbers look area ranges up by label ("all", "small", "medium", "large"),
 * AP by maxDets = 100 and the others by position in maxDets, exactly as pycocotools' summarize
 * does; a number whose setting is absent is -1.
 */
public record CocoEvalParams(
        double[] iouThrs, double[] recThrs, int[] maxDets, List<AreaRange> areaRanges, long[] imgIds, int[] catIds)
        implements Serializable {

    /** An area range [lo, hi] (both inclusive) in square pixels, with the label summaries use. */
    public record AreaRange(String label, double lo, double hi) implements Serializable {}

    public CocoEvalParams {
        iouThrs = iouThrs.clone();
        recThrs = recThrs.clone();
        maxDets = maxDets.clone();
        Arrays.sort(maxDets);
        areaRanges = List.copyOf(areaRanges);
        imgIds = Arrays.stream(imgIds).sorted().distinct().toArray();
        catIds = Arrays.stream(catIds).sorted().distinct().toArray();
        if (iouThrs.length == 0 || recThrs.length == 0 || maxDets.length == 0 || areaRanges.isEmpty()) {
            throw new IllegalArgumentException("iouThrs, recThrs, maxDets and areaRanges must not be empty");
        }
        for (double t : iouThrs) {
            if (!(t >= 0 && t <= 1)) {
                throw new IllegalArgumentException("IoU threshold " + t + " is not in [0, 1]");
            }
        }
        for (int i = 0; i < recThrs.length; i++) {
            if (!(recThrs[i] >= 0 && recThrs[i] <= 1) || (i > 0 && recThrs[i] < recThrs[i - 1])) {
                throw new IllegalArgumentException("recall thresholds must be increasing in [0, 1]");
            }
        }
        for (int i = 0; i < maxDets.length; i++) {
            if (maxDets[i] < 1 || (i > 0 && maxDets[i] == maxDets[i - 1])) {
                throw new IllegalArgumentException(
                        "maxDets must be distinct positive numbers: " + Arrays.toString(maxDets));
            }
        }
        Set<String> labels = new HashSet<>();
        for (AreaRange a : areaRanges) {
            if (!labels.add(a.label())) {
                throw new IllegalArgumentException("area range label '" + a.label() + "' is used twice");
            }
            if (!(a.lo() <= a.hi())) {
                throw new IllegalArgumentException("area range " + a + " has lo > hi");
            }
        }
    }

    /** pycocotools' defaults for bbox evaluation, all images and categories. */
    public static CocoEvalParams defaults() {
        return new CocoEvalParams(
                linspace(0.5, 0.95, 10),
                linspace(0.0, 1.0, 101),
                new int[] {1, 10, 100},
                defaultAreaRanges(),
                new long[0],
                new int[0]);
    }

    /** all, small, medium, large as in pycocotools: [0, 1e5^2], [0, 32^2], [32^2, 96^2], [96^2, 1e5^2]. */
    public static List<AreaRange> defaultAreaRanges() {
        List<AreaRange> a = new ArrayList<>();
        a.add(new AreaRange("all", 0, 1e10));
        a.add(new AreaRange("small", 0, 1024));
        a.add(new AreaRange("medium", 1024, 9216));
        a.add(new AreaRange("large", 9216, 1e10));
        return a;
    }

    /** numpy's linspace(start, stop, num) with endpoint: start + i*step, and exactly stop last. */
    public static double[] linspace(double start, double stop, int num) {
        double[] y = new double[num];
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) {
            y[i] = i * step + start;
        }
        if (num > 1) {
            y[num - 1] = stop;
        }
        return y;
    }

    public CocoEvalParams withIouThrs(double... v) {
        return new CocoEvalParams(v, recThrs, maxDets, areaRanges, imgIds, catIds);
    }

    public CocoEvalParams withMaxDets(int... v) {
        return new CocoEvalParams(iouThrs, recThrs, v, areaRanges, imgIds, catIds);
    }

    public CocoEvalParams withAreaRanges(List<AreaRange> v) {
        return new CocoEvalParams(iouThrs, recThrs, maxDets, v, imgIds, catIds);
    }

    /** Only these images (empty: all of the ground truth's). */
    public CocoEvalParams withImgIds(long... v) {
        return new CocoEvalParams(iouThrs, recThrs, maxDets, areaRanges, v, catIds);
    }

    /** Only these categories (empty: all of the ground truth's). */
    public CocoEvalParams withCatIds(int... v) {
        return new CocoEvalParams(iouThrs, recThrs, maxDets, areaRanges, imgIds, v);
    }

    // Records compare arrays by identity; compare contents instead.
    @Override
    public boolean equals(Object o) {
        return o instanceof CocoEvalParams p
                && Arrays.equals(iouThrs, p.iouThrs)
                && Arrays.equals(recThrs, p.recThrs)
                && Arrays.equals(maxDets, p.maxDets)
                && areaRanges.equals(p.areaRanges)
                && Arrays.equals(imgIds, p.imgIds)
                && Arrays.equals(catIds, p.catIds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(iouThrs) * 31 + Arrays.hashCode(maxDets);
    }

    @Override
    public String toString() {
        return "CocoEvalParams[iouThrs=" + Arrays.toString(iouThrs) + ", recThrs=" + recThrs.length
                + " points, maxDets=" + Arrays.toString(maxDets) + ", areaRanges=" + areaRanges
                + ", imgIds=" + (imgIds.length == 0 ? "all" : imgIds.length + " ids")
                + ", catIds=" + (catIds.length == 0 ? "all" : Arrays.toString(catIds)) + "]";
    }

    @Override
    public double[] iouThrs() {
        return iouThrs.clone();
    }

    @Override
    public double[] recThrs() {
        return recThrs.clone();
    }

    @Override
    public int[] maxDets() {
        return maxDets.clone();
    }

    @Override
    public long[] imgIds() {
        return imgIds.clone();
    }

    @Override
    public int[] catIds() {
        return catIds.clone();
    }
}
