package org.cardinal.coco;

import java.io.Serializable;

/**
 * pycocotools' {@code evalImgs} entries of one image, for every category it has ground truth or
 * detections of: what {@code accumulate} needs from {@code evaluateImg}, and nothing of the
 * image's boxes. Made by {@link PerImageEvaluator#evaluate} wherever the image is (a worker of a
 * distributed job), serializable, and accumulated in one place by
 * {@link PerImageEvaluator#accumulate}.
 *
 * <p>An evaluation is only meaningful to a {@link PerImageEvaluator} with the same ground truth
 * and parameters as the one that made it.
 */
public final class ImageEvaluation implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long imageId;
    final Part[] parts;
    final int[] unknownCategoryIds;
    final int[] unknownCategoryCounts;

    ImageEvaluation(long imageId, Part[] parts, int[] unknownCategoryIds, int[] unknownCategoryCounts) {
        this.imageId = imageId;
        this.parts = parts;
        this.unknownCategoryIds = unknownCategoryIds;
        this.unknownCategoryCounts = unknownCategoryCounts;
    }

    /** The image's id in the ground truth. */
    public long imageId() {
        return imageId;
    }

    /**
     * One category of the image: its detections kept for matching (at most the largest maxDets,
     * highest score first, score ties in the order they were given), their area (width * height),
     * whether each could match any ground truth at the lowest IoU threshold, their
     * matched/ignored flags per area range and threshold ({@code [a * T + t][detection]}), and
     * the number of regular (not ignored) ground-truth boxes per area range.
     */
    static final class Part implements Serializable {
        private static final long serialVersionUID = 1L;

        final int categoryId;
        final double[] score;
        final double[] area;
        final boolean[] hasCandidate;
        final byte[] flags;
        final long[] numRegularGt;

        Part(int categoryId, double[] score, double[] area, boolean[] hasCandidate, byte[] flags, long[] numRegularGt) {
            this.categoryId = categoryId;
            this.score = score;
            this.area = area;
            this.hasCandidate = hasCandidate;
            this.flags = flags;
            this.numRegularGt = numRegularGt;
        }
    }
}
