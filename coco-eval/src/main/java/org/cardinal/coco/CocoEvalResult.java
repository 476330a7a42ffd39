package org.cardinal.coco;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of a {@link CocoEvaluator}: pycocotools' {@code eval['precision']} (T x R x K x A x M)
 * and {@code eval['recall']} (T x K x A x M), with -1 where undefined (no ground truth), plus the
 * 12 summary numbers and per-category AP computed from them as pycocotools does (means over
 * entries &gt; -1, summed as numpy sums).
 *
 * <p>Indices: t over IoU thresholds, r over recall thresholds, k over {@link #catIds()} (sorted),
 * a over area ranges, m over maxDets (sorted), all in the order of {@link #params()}.
 */
public final class CocoEvalResult {
    /** Short names of the 12 summary numbers, in pycocotools' order. */
    public static final List<String> STAT_NAMES =
            List.of("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl");

    private final CocoEvalParams params;
    private final int numImages;
    private final int[] catIds;
    private final double[] precision;
    private final double[] recall;
    private final List<String> warnings;
    private final double[] stats;
    private final String[] summaryLines;
    // dimensions, cached: the params' accessors return copies
    private final int numT;
    private final int numR;
    private final int numA;
    private final int numM;

    CocoEvalResult(
            CocoEvalParams params,
            int numImages,
            int[] catIds,
            double[] precision,
            double[] recall,
            List<String> warnings) {
        this.params = params;
        this.numImages = numImages;
        this.catIds = catIds;
        this.precision = precision;
        this.recall = recall;
        this.warnings = Collections.unmodifiableList(new ArrayList<>(warnings));
        this.numT = params.iouThrs().length;
        this.numR = params.recThrs().length;
        this.numA = params.areaRanges().size();
        this.numM = params.maxDets().length;
        this.stats = new double[12];
        this.summaryLines = new String[12];
        summarizeDets();
    }

    /** The parameters used. */
    public CocoEvalParams params() {
        return params;
    }

    /** Number of images evaluated (with or without ground truth or detections). */
    public int numImages() {
        return numImages;
    }

    /** Category ids evaluated, sorted: the k axis. */
    public int[] catIds() {
        return catIds.clone();
    }

    /** Warnings from adding detections (e.g. unknown categories). */
    public List<String> warnings() {
        return warnings;
    }

    /** Interpolated precision at IoU threshold t, recall threshold r, category k, area a, maxDets m; -1 if undefined. */
    public double precision(int t, int r, int k, int a, int m) {
        return precision[(((t * numR + r) * catIds.length + k) * numA + a) * numM + m];
    }

    /** Maximum recall at IoU threshold t, category k, area a, maxDets m; -1 if undefined. */
    public double recall(int t, int k, int a, int m) {
        return recall[((t * catIds.length + k) * numA + a) * numM + m];
    }

    /**
     * The 12 numbers of pycocotools' {@code stats}: AP, AP50, AP75, APs, APm, APl, AR1, AR10,
     * AR100, ARs, ARm, ARl. With non-default parameters they follow pycocotools' rules: AP uses
     * maxDets = 100 and the others maxDets[0..2] by position; a setting that does not exist
     * (fewer than 3 maxDets, no 0.5 threshold, no "small" range) gives -1.
     */
    public double[] stats() {
        return stats.clone();
    }

    /**
     * AP per category id (IoU thresholds averaged, first area range, largest maxDets), in
     * category id order; -1 for a category with no ground truth.
     */
    public Map<Integer, Double> perCategoryAp() {
        Map<Integer, Double> ap = new LinkedHashMap<>();
        double[] values = new double[numT * numR];
        for (int k = 0; k < catIds.length; k++) {
            int n = 0;
            for (int t = 0; t < numT; t++) {
                for (int r = 0; r < numR; r++) {
                    values[n++] = precision(t, r, k, 0, numM - 1);
                }
            }
            ap.put(catIds[k], PairwiseMean.definedMean(values, n));
        }
        return ap;
    }

    /**
     * The per-category AP table every tool prints under the summary: a blank line, a header naming
     * what is averaged, then one line per category (id, name, AP rounded as the summary's numbers,
     * -1 where undefined).
     *
     * @param params the evaluation's parameters (IoU thresholds averaged, first area range,
     *     largest maxDets)
     * @param apByCategoryId AP per category id, as {@link #perCategoryAp()} gives it
     * @param names category names by id (an id without one gets an empty name)
     * @return the lines, each ending with a newline
     */
    public static String perCategoryTable(
            CocoEvalParams params, Map<Integer, Double> apByCategoryId, Map<Integer, String> names) {
        double[] iou = params.iouThrs();
        int[] maxDets = params.maxDets();
        int width = 24;
        for (Integer id : apByCategoryId.keySet()) {
            width = Math.max(width, names.getOrDefault(id, "").length());
        }
        StringBuilder sb = new StringBuilder(String.format(
                Locale.ROOT,
                "%nAP per category (IoU=%s:%s | area=%s | maxDets=%d):%n",
                fixed(iou[0], 2),
                fixed(iou[iou.length - 1], 2),
                params.areaRanges().get(0).label(),
                maxDets[maxDets.length - 1]));
        String row = "%8s  %-" + width + "s %6s%n";
        sb.append(String.format(Locale.ROOT, row, "id", "name", "AP"));
        for (Map.Entry<Integer, Double> e : apByCategoryId.entrySet()) {
            sb.append(String.format(
                    Locale.ROOT, row, e.getKey(), names.getOrDefault(e.getKey(), ""), fixed(e.getValue(), 3)));
        }
        return sb.toString();
    }

    /** pycocotools' 12-line summary, as {@code COCOeval.summarize()} prints it. */
    public String summaryText() {
        return String.join("\n", summaryLines) + "\n";
    }

    private void summarizeDets() {
        int[] md = params.maxDets();
        int m0 = md.length > 0 ? md[0] : -1;
        int m1 = md.length > 1 ? md[1] : -1;
        int m2 = md.length > 2 ? md[2] : -1;
        summarize(0, true, null, "all", 100);
        summarize(1, true, 0.5, "all", m2);
        summarize(2, true, 0.75, "all", m2);
        summarize(3, true, null, "small", m2);
        summarize(4, true, null, "medium", m2);
        summarize(5, true, null, "large", m2);
        summarize(6, false, null, "all", m0);
        summarize(7, false, null, "all", m1);
        summarize(8, false, null, "all", m2);
        summarize(9, false, null, "small", m2);
        summarize(10, false, null, "medium", m2);
        summarize(11, false, null, "large", m2);
    }

    private void summarize(int index, boolean ap, Double iouThr, String areaLabel, int maxDets) {
        double[] iouThrs = params.iouThrs();
        int numK = catIds.length;
        int a = -1;
        for (int i = 0; i < params.areaRanges().size(); i++) {
            if (params.areaRanges().get(i).label().equals(areaLabel)) {
                a = i;
            }
        }
        int m = -1;
        int[] md = params.maxDets();
        for (int i = 0; i < md.length; i++) {
            if (md[i] == maxDets) {
                m = i;
            }
        }
        double mean = -1;
        if (a >= 0 && m >= 0) {
            // gather in numpy's C order over the sliced array: t, then r, then k
            double[] values = new double[numT * (ap ? numR : 1) * numK];
            int n = 0;
            for (int t = 0; t < numT; t++) {
                if (iouThr != null && iouThrs[t] != iouThr) {
                    continue;
                }
                if (ap) {
                    for (int r = 0; r < numR; r++) {
                        for (int k = 0; k < numK; k++) {
                            values[n++] = precision(t, r, k, a, m);
                        }
                    }
                } else {
                    for (int k = 0; k < numK; k++) {
                        values[n++] = recall(t, k, a, m);
                    }
                }
            }
            mean = PairwiseMean.definedMean(values, n);
        }
        stats[index] = mean;
        String title = ap ? "Average Precision" : "Average Recall";
        String type = ap ? "(AP)" : "(AR)";
        String iouStr = iouThr == null ? fixed(iouThrs[0], 2) + ":" + fixed(iouThrs[numT - 1], 2) : fixed(iouThr, 2);
        String maxDetStr = maxDets >= 0 ? String.format("%3d", maxDets) : "  -";
        summaryLines[index] = String.format(
                " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%s ] = %s",
                title, type, iouStr, areaLabel, maxDetStr, fixed(mean, 3));
    }

    /** Python's '{:0.Nf}': rounds the exact binary value half to even (Java's %f rounds its decimal string). */
    static String fixed(double v, int digits) {
        return new BigDecimal(v).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
    }

    /**
     * The result as JSON: {@code stats}, {@code stat_names}, {@code per_category_ap} (keyed by
     * category id as a string), {@code num_images}, {@code params} and {@code warnings}.
     */
    public String toJson() {
        StringWriter out = new StringWriter();
        try (JsonWriter w = new JsonWriter(out)) {
            w.setIndent("  ");
            w.beginObject();
            w.name("stats").beginArray();
            for (double s : stats) {
                w.value(s);
            }
            w.endArray();
            w.name("stat_names").beginArray();
            for (String s : STAT_NAMES) {
                w.value(s);
            }
            w.endArray();
            w.name("per_category_ap").beginObject();
            for (Map.Entry<Integer, Double> e : perCategoryAp().entrySet()) {
                w.name(Integer.toString(e.getKey())).value(e.getValue());
            }
            w.endObject();
            w.name("num_images").value(numImages);
            w.name("params").beginObject();
            w.name("iou_thrs").beginArray();
            for (double t : params.iouThrs()) {
                w.value(t);
            }
            w.endArray();
            w.name("max_dets").beginArray();
            for (int m : params.maxDets()) {
                w.value(m);
            }
            w.endArray();
            w.name("area_ranges").beginObject();
            for (CocoEvalParams.AreaRange r : params.areaRanges()) {
                w.name(r.label()).beginArray().value(r.lo()).value(r.hi()).endArray();
            }
            w.endObject();
            w.name("cat_ids").beginArray();
            for (int c : catIds) {
                w.value(c);
            }
            w.endArray();
            w.endObject();
            w.name("warnings").beginArray();
            for (String s : warnings) {
                w.value(s);
            }
            w.endArray();
            w.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString() + "\n";
    }
}
