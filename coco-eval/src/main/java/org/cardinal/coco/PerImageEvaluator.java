package org.cardinal.coco;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * COCO bbox evaluation split into pycocotools' two phases, so that the first can run where the
 * images are: {@link #evaluate} is {@code evaluateImg} for one image (every category, every area
 * range and IoU threshold) and returns a small serializable {@link ImageEvaluation};
 * {@link #accumulate} is {@code accumulate} and {@code summarize} over all of them. The numbers
 * are those {@link CocoEvaluator} gives for the same detections, bit for bit: both run the same
 * {@link CategoryEvaluation} code, and accumulate concatenates the images in the order the
 * in-process evaluation does.
 *
 * <pre>{@code
 * PerImageEvaluator evaluator = new PerImageEvaluator(gt, CocoEvalParams.defaults());
 * ImageEvaluation e = evaluator.evaluate(imageId, detections);   // on a worker, image by image
 * CocoEvalResult result = evaluator.accumulate(allEvaluations);  // in one place, any order
 * }</pre>
 *
 * <p>Give {@code evaluate} all detections of an image in one call, in the order a results file
 * would list them (that order breaks score ties). An image of the evaluation without an
 * {@link ImageEvaluation} counts as an image without detections, as it does in a results file
 * that lists none for it. Thread-safe: {@code evaluate} only reads shared state.
 */
public final class PerImageEvaluator {
    private final CocoGroundTruth gt;
    private final CocoEvalParams params;
    private final int[] catIds;
    private final long[] imgIds;
    private final LongIndex imageIndex;
    private final LongIndex categoryIndex;
    private final LongIndex gtCategories;
    /** Annotations grouped by image of the ground truth (file order within): start[i]..start[i+1]. */
    private final int[] annStart;

    private final int[] annByImage;

    /** An evaluator of this ground truth with these parameters (see {@link CocoEvalParams}). */
    public PerImageEvaluator(CocoGroundTruth gt, CocoEvalParams params) {
        this.gt = gt;
        this.params = params;
        this.imgIds = params.imgIds().length > 0
                ? params.imgIds()
                : Arrays.stream(gt.imageIds).sorted().distinct().toArray();
        this.catIds = params.catIds().length > 0
                ? params.catIds()
                : gt.categories().stream()
                        .mapToInt(CocoGroundTruth.Category::id)
                        .sorted()
                        .distinct()
                        .toArray();
        this.imageIndex = LongIndex.of(imgIds);
        this.categoryIndex = new LongIndex(catIds.length);
        for (int c : catIds) {
            categoryIndex.putIfAbsent(c);
        }
        this.gtCategories = new LongIndex(gt.categories().size());
        for (CocoGroundTruth.Category c : gt.categories()) {
            gtCategories.putIfAbsent(c.id());
        }
        int numImages = gt.imageIds.length;
        annStart = new int[numImages + 1];
        int[] imageOf = new int[gt.numAnnotations];
        for (int j = 0; j < gt.numAnnotations; j++) {
            imageOf[j] = gt.imageIndex.get(gt.annImage[j]);
            if (imageOf[j] >= 0) {
                annStart[imageOf[j] + 1]++;
            }
        }
        for (int i = 0; i < numImages; i++) {
            annStart[i + 1] += annStart[i];
        }
        annByImage = new int[annStart[numImages]];
        int[] fill = Arrays.copyOf(annStart, numImages);
        for (int j = 0; j < gt.numAnnotations; j++) {
            if (imageOf[j] >= 0) {
                annByImage[fill[imageOf[j]]++] = j;
            }
        }
    }

    /** The parameters of this evaluation. */
    public CocoEvalParams params() {
        return params;
    }

    /**
     * pycocotools' evaluateImg for every category of one image.
     *
     * @param detections all of the image's detections, in results-file order
     * @throws IllegalArgumentException if the ground truth has no such image, or a box has a
     *     negative or non-finite size, or a score is not finite
     */
    public ImageEvaluation evaluate(long imageId, List<ScoredBox> detections) {
        int gtImage = gt.imageIndex.get(imageId);
        if (gtImage < 0) {
            throw new IllegalArgumentException("image id " + imageId + " is not an image of the ground truth");
        }
        ResultColumns table = new ResultColumns(detections.size());
        Map<Integer, Integer> unknown = new TreeMap<>();
        try {
            for (ScoredBox d : detections) {
                table.add(imageId, d.categoryId(), d.x(), d.y(), d.width(), d.height(), d.score());
                if (gtCategories.get(d.categoryId()) < 0) {
                    unknown.merge(d.categoryId(), 1, Integer::sum);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("image " + imageId + ": " + e.getMessage(), e);
        }
        List<ImageEvaluation.Part> parts = new ArrayList<>();
        if (imageIndex.get(imageId) >= 0) {
            // keys as CocoEvaluator groups them (image index << 32 | record): one image, so just the record
            int numK = catIds.length;
            int[] gtCount = new int[numK + 1];
            int[] dtCount = new int[numK + 1];
            long[][] gtKeys = new long[numK][];
            long[][] dtKeys = new long[numK][];
            int a0 = annStart[gtImage];
            int a1 = annStart[gtImage + 1];
            for (int s = a0; s < a1; s++) {
                int k = categoryIndex.get(gt.annCategory[annByImage[s]]);
                if (k >= 0) {
                    gtKeys[k] = append(gtKeys[k], gtCount[k]++, annByImage[s]);
                }
            }
            for (int j = 0; j < table.size; j++) {
                int k = categoryIndex.get(table.categoryId[j]);
                if (k >= 0) {
                    dtKeys[k] = append(dtKeys[k], dtCount[k]++, j);
                }
            }
            CategoryEvaluation evaluation = new CategoryEvaluation(gt, table, params, numK, false);
            for (int k = 0; k < numK; k++) {
                if (gtCount[k] > 0 || dtCount[k] > 0) {
                    parts.add(evaluation.evaluateOne(catIds[k], gtKeys[k], 0, gtCount[k], dtKeys[k], 0, dtCount[k]));
                }
            }
        }
        int[] ids = unknown.keySet().stream().mapToInt(Integer::intValue).toArray();
        int[] counts = unknown.values().stream().mapToInt(Integer::intValue).toArray();
        return new ImageEvaluation(imageId, parts.toArray(new ImageEvaluation.Part[0]), ids, counts);
    }

    private static long[] append(long[] keys, int n, long key) {
        long[] k = keys == null ? new long[4] : n == keys.length ? Arrays.copyOf(keys, 2 * n) : keys;
        k[n] = key;
        return k;
    }

    /**
     * pycocotools' accumulate and summarize over the evaluations of the images, given in any
     * order. Images of the evaluation without one count as images without detections.
     *
     * @throws IllegalArgumentException if an image is given twice, or an evaluation was made with
     *     other parameters
     */
    public CocoEvalResult accumulate(Iterable<ImageEvaluation> evaluations) {
        int numK = catIds.length;
        int numAt = params.areaRanges().size() * params.iouThrs().length;
        // by category, then image index: the order CocoEvaluator concatenates images in
        List<List<long[]>> order = new ArrayList<>();
        for (int k = 0; k < numK; k++) {
            order.add(new ArrayList<>());
        }
        List<ImageEvaluation.Part> all = new ArrayList<>();
        boolean[] seen = new boolean[imgIds.length];
        Map<Integer, Integer> unknown = new TreeMap<>();
        for (ImageEvaluation e : evaluations) {
            for (int u = 0; u < e.unknownCategoryIds.length; u++) {
                unknown.merge(e.unknownCategoryIds[u], e.unknownCategoryCounts[u], Integer::sum);
            }
            int i = imageIndex.get(e.imageId());
            if (i < 0) {
                continue; // an image of the ground truth that is not evaluated (params' imgIds)
            }
            if (seen[i]) {
                throw new IllegalArgumentException("image " + e.imageId() + " was evaluated twice");
            }
            seen[i] = true;
            addParts(e, i, numAt, order, all);
        }
        // Images without evaluation have no detections; their ground truth still counts.
        for (int i = 0; i < imgIds.length; i++) {
            if (!seen[i] && gt.hasImage(imgIds[i])) {
                addParts(evaluate(imgIds[i], List.of()), i, numAt, order, all);
            }
        }
        CategoryEvaluation evaluation = new CategoryEvaluation(gt, null, params, numK, true);
        for (int k = 0; k < numK; k++) {
            List<long[]> keys = order.get(k);
            if (keys.isEmpty()) {
                continue; // nothing of this category anywhere: -1, as in pycocotools
            }
            keys.sort((x, y) -> Long.compare(x[0], y[0]));
            List<ImageEvaluation.Part> parts = new ArrayList<>(keys.size());
            for (long[] key : keys) {
                parts.add(all.get((int) key[1]));
            }
            evaluation.accumulate(k, parts);
        }
        return new CocoEvalResult(
                params,
                imgIds.length,
                catIds.clone(),
                evaluation.precision(),
                evaluation.recall(),
                CocoEvaluator.warnings(unknown));
    }

    private void addParts(
            ImageEvaluation e, int image, int numAt, List<List<long[]>> order, List<ImageEvaluation.Part> all) {
        int numA = params.areaRanges().size();
        for (ImageEvaluation.Part p : e.parts) {
            int k = categoryIndex.get(p.categoryId);
            if (k < 0 || p.numRegularGt.length != numA || p.flags.length != numAt * p.score.length) {
                throw new IllegalArgumentException("the evaluation of image " + e.imageId()
                        + " was made with other parameters (categories, area ranges or IoU thresholds)");
            }
            order.get(k).add(new long[] {image, all.size()});
            all.add(p);
        }
    }
}
