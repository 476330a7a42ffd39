package org.cardinal.coco;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * COCO bbox evaluation with pycocotools' {@code COCOeval} semantics (see
 * {@link CategoryEvaluation} for the details that decide the numbers), in process.
 *
 * <p>Feed detections image by image with {@link #add} (e.g. from a detector's validation loop)
 * or a whole results file with {@link #addResults}, then call {@link #evaluate}, which runs the
 * categories in parallel on the common fork-join pool. Detections of an image may come in any
 * number of calls; their order of arrival is their "file order", which breaks score ties.
 *
 * <pre>{@code
 * CocoGroundTruth gt = CocoGroundTruth.read(Path.of("instances_val.json"));
 * CocoEvaluator evaluator = new CocoEvaluator(gt);
 * evaluator.add(imageId, List.of(new ScoredBox(categoryId, x, y, w, h, score)));
 * CocoEvalResult result = evaluator.evaluate();
 * System.out.println(result.summaryText());
 * }</pre>
 *
 * <p>As in pycocotools, a detection for an image the ground truth does not list is an error,
 * while detections for categories it does not list are ignored (reported by {@link #warnings}).
 * {@code add} and {@code addResults} are thread-safe.
 */
public final class CocoEvaluator {
    private final CocoGroundTruth gt;
    private final CocoEvalParams params;
    private final LongIndex gtCategories;
    private ResultColumns detections = new ResultColumns(16);
    /** True while {@code detections} is a results file's own table, adopted without a copy. */
    private boolean shared;

    private final Map<Integer, Integer> unknownCategoryCounts = new TreeMap<>();

    /** An evaluator with pycocotools' default parameters. */
    public CocoEvaluator(CocoGroundTruth gt) {
        this(gt, CocoEvalParams.defaults());
    }

    public CocoEvaluator(CocoGroundTruth gt, CocoEvalParams params) {
        this.gt = gt;
        this.params = params;
        this.gtCategories = new LongIndex(gt.categories().size());
        for (CocoGroundTruth.Category c : gt.categories()) {
            gtCategories.putIfAbsent(c.id());
        }
    }

    /** The parameters this evaluator uses. */
    public CocoEvalParams params() {
        return params;
    }

    /**
     * Adds the detections of one image.
     *
     * @throws IllegalArgumentException if the ground truth has no such image, or a box has a
     *     negative or non-finite size, or a score is not finite
     */
    public synchronized void add(long imageId, List<ScoredBox> imageDetections) {
        if (!gt.hasImage(imageId)) {
            throw new IllegalArgumentException("image id " + imageId + " is not an image of the ground truth");
        }
        unshare();
        int start = detections.size;
        try {
            for (ScoredBox d : imageDetections) {
                detections.add(imageId, d.categoryId(), d.x(), d.y(), d.width(), d.height(), d.score());
                countUnknownCategory(d.categoryId());
            }
        } catch (IllegalArgumentException e) {
            rollback(start);
            throw new IllegalArgumentException("image " + imageId + ": " + e.getMessage(), e);
        }
    }

    /**
     * Adds all detections of a results file.
     *
     * @throws CocoFormatException naming the record if a result's image is not in the ground truth
     *     (then none of the file's detections are added)
     */
    public synchronized void addResults(CocoResults results) {
        ResultColumns t = results.table;
        for (int i = 0; i < t.size; i++) {
            if (!gt.hasImage(t.imageId[i])) {
                throw new CocoFormatException(
                        results.source(),
                        "results[" + i + "].image_id",
                        t.imageId[i] + " is not an image id of the ground truth");
            }
        }
        int start = detections.size;
        if (start == 0) {
            detections = t; // 500k detections: share rather than copy; copied before any change
            shared = true;
        } else {
            unshare();
            detections.addAll(t);
        }
        for (int i = start; i < detections.size; i++) {
            countUnknownCategory(detections.categoryId[i]);
        }
    }

    private void unshare() {
        if (shared) {
            ResultColumns copy = new ResultColumns(detections.size + 16);
            copy.addAll(detections);
            detections = copy;
            shared = false;
        }
    }

    private void rollback(int size) {
        for (int i = size; i < detections.size; i++) {
            int c = detections.categoryId[i];
            if (gtCategories.get(c) < 0) {
                unknownCategoryCounts.merge(c, -1, Integer::sum);
                unknownCategoryCounts.remove(c, 0);
            }
        }
        detections.size = size;
    }

    private void countUnknownCategory(int categoryId) {
        if (gtCategories.get(categoryId) < 0) {
            unknownCategoryCounts.merge(categoryId, 1, Integer::sum);
        }
    }

    /** Number of detections added so far. */
    public synchronized int numDetections() {
        return detections.size;
    }

    /** Human-readable warnings, e.g. detections of categories the ground truth does not have. */
    public synchronized List<String> warnings() {
        return warnings(unknownCategoryCounts);
    }

    /** The warnings for these counts of detections by category id absent from the ground truth. */
    static List<String> warnings(Map<Integer, Integer> unknownCategoryCounts) {
        List<String> w = new ArrayList<>();
        if (!unknownCategoryCounts.isEmpty()) {
            int total = unknownCategoryCounts.values().stream()
                    .mapToInt(Integer::intValue)
                    .sum();
            List<Integer> ids = new ArrayList<>(new TreeMap<>(unknownCategoryCounts).keySet());
            String shown =
                    ids.size() > 10 ? ids.subList(0, 10) + " and " + (ids.size() - 10) + " more" : ids.toString();
            w.add(total + " detection(s) of categories not in the ground truth were ignored (category ids " + shown
                    + ")");
        }
        return w;
    }

    /** Evaluates everything added so far; may be called again after adding more. */
    public synchronized CocoEvalResult evaluate() {
        long[] imgIds = params.imgIds().length > 0
                ? params.imgIds()
                : Arrays.stream(gt.imageIds).sorted().distinct().toArray();
        int[] catIds = params.catIds().length > 0
                ? params.catIds()
                : gt.categories().stream()
                        .mapToInt(CocoGroundTruth.Category::id)
                        .sorted()
                        .distinct()
                        .toArray();
        LongIndex imageIndex = LongIndex.of(imgIds);
        LongIndex categoryIndex = new LongIndex(catIds.length);
        for (int c : catIds) {
            categoryIndex.putIfAbsent(c);
        }
        int numK = catIds.length;
        int[] gtStart = new int[numK + 1];
        long[] gtKeys = group(gt.annImage, gt.annCategory, gt.numAnnotations, imageIndex, categoryIndex, gtStart);
        int[] dtStart = new int[numK + 1];
        long[] dtKeys =
                group(detections.imageId, detections.categoryId, detections.size, imageIndex, categoryIndex, dtStart);

        CategoryEvaluation evaluation = new CategoryEvaluation(gt, detections, params, numK, true);
        // Largest categories first keeps both cores busy to the end.
        Integer[] byWork = new Integer[numK];
        for (int k = 0; k < numK; k++) {
            byWork[k] = k;
        }
        Arrays.sort(
                byWork,
                (x, y) -> Integer.compare(
                        dtStart[y + 1] - dtStart[y] + gtStart[y + 1] - gtStart[y],
                        dtStart[x + 1] - dtStart[x] + gtStart[x + 1] - gtStart[x]));
        IntStream.range(0, numK).parallel().forEach(i -> {
            int k = byWork[i];
            evaluation.run(k, gtKeys, gtStart[k], gtStart[k + 1], dtKeys, dtStart[k], dtStart[k + 1]);
        });
        return new CocoEvalResult(
                params, imgIds.length, catIds, evaluation.precision(), evaluation.recall(), warnings());
    }

    /**
     * Groups records by category, then image index, then record order, as
     * {@code imageIndex << 32 | record} keys; {@code start[k]..start[k+1]} is category k's range.
     * Records of images or categories not evaluated are left out.
     */
    private static long[] group(
            long[] imageIds, int[] categoryIds, int n, LongIndex imageIndex, LongIndex categoryIndex, int[] start) {
        int numK = start.length - 1;
        int[] cat = new int[n];
        int[] img = new int[n];
        for (int j = 0; j < n; j++) {
            int k = categoryIndex.get(categoryIds[j]);
            int i = k < 0 ? -1 : imageIndex.get(imageIds[j]);
            cat[j] = i < 0 ? -1 : k;
            img[j] = i;
            if (i >= 0) {
                start[k + 1]++;
            }
        }
        for (int k = 0; k < numK; k++) {
            start[k + 1] += start[k];
        }
        int[] fill = Arrays.copyOf(start, numK);
        long[] keys = new long[start[numK]];
        for (int j = 0; j < n; j++) {
            if (cat[j] >= 0) {
                keys[fill[cat[j]]++] = ((long) img[j] << 32) | j;
            }
        }
        // Results files usually list detections image by image in id order: then there is nothing to sort.
        IntStream.range(0, numK).parallel().forEach(k -> {
            for (int i = start[k] + 1; i < start[k + 1]; i++) {
                if (keys[i] < keys[i - 1]) {
                    Arrays.sort(keys, start[k], start[k + 1]);
                    return;
                }
            }
        });
        return keys;
    }
}
