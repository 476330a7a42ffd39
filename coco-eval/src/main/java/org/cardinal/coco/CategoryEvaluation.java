package org.cardinal.coco;

import java.util.Arrays;
import java.util.List;

/**
 * pycocotools' {@code evaluateImg} for every image of one category, followed by its
 * {@code accumulate} for that category: one unit of parallel work, writing only its own
 * category's slice of the precision and recall arrays.
 *
 * <p>Exactness notes (each one changes numbers if done otherwise):
 * <ul>
 *   <li>detections of an image are sorted by score, stable in file order, and cut to the largest
 *       maxDets before matching; smaller maxDets only cut the per-image lists when accumulating;
 *   <li>ground truth is ordered with ignored (crowd or out-of-area) boxes last; a detection takes
 *       the last of equally good boxes, stops at the first ignored box once it holds a regular
 *       one, and a crowd box can be matched any number of times;
 *   <li>a detection matched to an ignored box, or unmatched and outside the area range, is
 *       ignored; a match to a box with annotation id 0 counts as no match (pycocotools stores
 *       the matched id and tests it against 0);
 *   <li>across images, detections are merged by a stable score sort of the per-image lists
 *       concatenated in ascending image id order;
 *   <li>precision is made monotone from the end, then read at the first index whose recall is
 *       &gt;= each recall threshold (numpy's searchsorted, side left); thresholds beyond the
 *       reached recall give 0.
 * </ul>
 */
final class CategoryEvaluation {
    private static final double EPS = Math.ulp(1.0); // np.spacing(1)
    private static final byte MATCHED = 1;
    private static final byte IGNORED = 2;

    private final CocoGroundTruth gt;
    private final ResultColumns dt;
    private final double[] iouThrs;
    private final double[] recThrs;
    private final int[] maxDets;
    private final double[] areaLo;
    private final double[] areaHi;
    private final int numCategories;
    private final double[] precision;
    private final double[] recall;

    /**
     * @param gt the ground truth
     * @param dt the detections, or null when every category is given its matches by the caller
     * @param params the evaluation parameters
     * @param numCategories categories evaluated
     * @param accumulates whether {@link #run} accumulates precision and recall (they start at -1,
     *     no data, as in pycocotools); false for matching one image at a time
     */
    CategoryEvaluation(
            CocoGroundTruth gt, ResultColumns dt, CocoEvalParams params, int numCategories, boolean accumulates) {
        this.gt = gt;
        this.dt = dt;
        this.iouThrs = params.iouThrs();
        this.recThrs = params.recThrs();
        this.maxDets = params.maxDets();
        int a = params.areaRanges().size();
        this.areaLo = new double[a];
        this.areaHi = new double[a];
        for (int i = 0; i < a; i++) {
            areaLo[i] = params.areaRanges().get(i).lo();
            areaHi[i] = params.areaRanges().get(i).hi();
        }
        this.numCategories = numCategories;
        int t = iouThrs.length;
        int m = maxDets.length;
        this.precision = accumulates ? new double[t * recThrs.length * numCategories * a * m] : null;
        this.recall = accumulates ? new double[t * numCategories * a * m] : null;
        if (accumulates) {
            Arrays.fill(precision, -1);
            Arrays.fill(recall, -1);
        }
    }

    /** @return precision as pycocotools' {@code eval['precision']} [T, R, K, A, M], flattened */
    double[] precision() {
        return precision;
    }

    /** @return recall as pycocotools' {@code eval['recall']} [T, K, A, M], flattened */
    double[] recall() {
        return recall;
    }

    /**
     * Evaluates category k.
     *
     * @param gtKeys ground truth of this category as {@code imageIndex << 32 | annotation}, sorted
     * @param dtKeys detections of this category as {@code imageIndex << 32 | detection}, sorted
     */
    void run(int k, long[] gtKeys, int gtFrom, int gtTo, long[] dtKeys, int dtFrom, int dtTo) {
        if (gtFrom == gtTo && dtFrom == dtTo) {
            return; // no image has anything of this category: pycocotools leaves -1 everywhere
        }
        CategoryWork w = new CategoryWork(dtTo - dtFrom, areaLo.length, iouThrs.length);
        int gi = gtFrom;
        int di = dtFrom;
        while (gi < gtTo || di < dtTo) {
            long image = Math.min(
                    gi < gtTo ? gtKeys[gi] >>> 32 : Long.MAX_VALUE, di < dtTo ? dtKeys[di] >>> 32 : Long.MAX_VALUE);
            int g0 = gi;
            while (gi < gtTo && (gtKeys[gi] >>> 32) == image) {
                gi++;
            }
            int d0 = di;
            while (di < dtTo && (dtKeys[di] >>> 32) == image) {
                di++;
            }
            evaluateImage(w, gtKeys, g0, gi, dtKeys, d0, di);
        }
        accumulate(k, w);
    }

    /**
     * pycocotools' evaluateImg of one image for one category (keys as in {@link #run}, all of the
     * same image), kept for a later {@link #accumulate(int, List)}.
     */
    ImageEvaluation.Part evaluateOne(
            int categoryId, long[] gtKeys, int gtFrom, int gtTo, long[] dtKeys, int dtFrom, int dtTo) {
        CategoryWork w = new CategoryWork(dtTo - dtFrom, areaLo.length, iouThrs.length);
        evaluateImage(w, gtKeys, gtFrom, gtTo, dtKeys, dtFrom, dtTo);
        int n = w.numKept;
        int numAt = areaLo.length * iouThrs.length;
        byte[] flags = new byte[numAt * n];
        for (int at = 0; at < numAt; at++) {
            System.arraycopy(w.flags, at * w.capacity, flags, at * n, n);
        }
        return new ImageEvaluation.Part(
                categoryId,
                Arrays.copyOf(w.score, n),
                Arrays.copyOf(w.area, n),
                Arrays.copyOf(w.hasCandidate, n),
                flags,
                w.numRegularGt.clone());
    }

    /**
     * pycocotools' accumulate for category k over per-image parts given in ascending image
     * order: the same concatenation {@link #run} builds, so the same numbers.
     */
    void accumulate(int k, List<ImageEvaluation.Part> parts) {
        int total = 0;
        for (ImageEvaluation.Part p : parts) {
            total += p.score.length;
        }
        int numAt = areaLo.length * iouThrs.length;
        CategoryWork w = new CategoryWork(total, areaLo.length, iouThrs.length);
        for (ImageEvaluation.Part p : parts) {
            int n = p.score.length;
            int base = w.numKept;
            System.arraycopy(p.score, 0, w.score, base, n);
            System.arraycopy(p.area, 0, w.area, base, n);
            System.arraycopy(p.hasCandidate, 0, w.hasCandidate, base, n);
            for (int j = 0; j < n; j++) {
                w.rank[base + j] = j;
            }
            for (int at = 0; at < numAt; at++) {
                System.arraycopy(p.flags, at * n, w.flags, at * total + base, n);
            }
            for (int a = 0; a < areaLo.length; a++) {
                w.numRegularGt[a] += p.numRegularGt[a];
            }
            w.numKept += n;
        }
        accumulate(k, w);
    }

    /** pycocotools' evaluateImg for one image of this category, for every area range and IoU threshold. */
    private void evaluateImage(CategoryWork w, long[] gtKeys, int g0, int g1, long[] dtKeys, int d0, int d1) {
        final int numT = iouThrs.length;
        final int numGt = g1 - g0;
        final int numDtAll = d1 - d0;
        w.ensureDt(numDtAll);
        int[] dtIdx = w.dtIdx;
        for (int j = 0; j < numDtAll; j++) {
            dtIdx[j] = (int) dtKeys[d0 + j];
        }
        if (numDtAll > 1) {
            StableScoreOrder.sort(dt.score, dtIdx, 0, numDtAll, w.tmp);
        }
        final int numDt = Math.min(numDtAll, maxDets[maxDets.length - 1]);
        for (int j = 0; j < numDt; j++) {
            int o = 4 * dtIdx[j];
            w.dtOff[j] = o;
            w.dtArea[j] = dt.box[o + 2] * dt.box[o + 3]; // loadRes: area = w * h
        }
        w.ensureGt(numGt, numT);
        for (int j = 0; j < numGt; j++) {
            int ann = (int) gtKeys[g0 + j];
            w.gtAnn[j] = ann;
            w.gtOff[j] = 4 * ann;
            w.gtCrowd[j] = gt.annCrowd[ann];
        }
        // Candidates: ground truth a detection could match at the lowest threshold, in file order.
        // Boxes below it never change pycocotools' loop outcome (see matchOne), so skipping them is exact.
        int numCand = 0;
        w.candStart[0] = 0;
        if (numGt > 0 && numDt > 0) {
            if (w.ious.length < numGt * numDt) {
                w.ious = new double[numGt * numDt];
            }
            BoxIou.compute(dt.box, w.dtOff, numDt, gt.annBox, w.gtOff, w.gtCrowd, numGt, w.ious);
            if (w.cand.length < numGt * numDt) {
                w.cand = new int[numGt * numDt];
            }
            double lowest = lowestThreshold();
            for (int d = 0; d < numDt; d++) {
                int row = d * numGt;
                for (int g = 0; g < numGt; g++) {
                    if (w.ious[row + g] >= lowest) {
                        w.cand[numCand++] = g;
                    }
                }
                w.candStart[d + 1] = numCand;
            }
        } else {
            for (int d = 0; d < numDt; d++) {
                w.candStart[d + 1] = 0;
            }
        }
        int base = w.numKept;
        for (int j = 0; j < numDt; j++) {
            w.score[base + j] = dt.score[dtIdx[j]];
            w.rank[base + j] = j;
            w.area[base + j] = w.dtArea[j];
            w.hasCandidate[base + j] = w.candStart[j + 1] > w.candStart[j];
        }
        w.numKept += numDt;
        if (numGt == 0) {
            return; // only false positives (or ignored): nothing to match, no ground truth to count
        }

        for (int a = 0; a < areaLo.length; a++) {
            double lo = areaLo[a];
            double hi = areaHi[a];
            int numRegular = 0;
            for (int g = 0; g < numGt; g++) {
                double area = gt.annArea[w.gtAnn[g]];
                boolean ignored = w.gtCrowd[g] || area < lo || area > hi;
                w.gtIgnored[g] = ignored;
                if (!ignored) {
                    numRegular++;
                }
            }
            w.numRegularGt[a] += numRegular;
            if (numCand == 0) {
                continue; // no detection overlaps enough to match anything
            }
            Arrays.fill(w.gtMatched, 0, numGt * numT, false);
            for (int d = 0; d < numDt; d++) {
                boolean outside = w.dtArea[d] < lo || w.dtArea[d] > hi;
                int c0 = w.candStart[d];
                int c1 = w.candStart[d + 1];
                if (c0 == c1) {
                    continue; // never matched: a false positive unless outside the range (see accumulate)
                }
                int flagIndex = a * numT * w.capacity + base + d;
                // pycocotools' ground-truth order: regular boxes first, then ignored, each in file order
                int n = 0;
                for (int c = c0; c < c1; c++) {
                    if (!w.gtIgnored[w.cand[c]]) {
                        w.ordered[n++] = w.cand[c];
                    }
                }
                for (int c = c0; c < c1; c++) {
                    if (w.gtIgnored[w.cand[c]]) {
                        w.ordered[n++] = w.cand[c];
                    }
                }
                for (int t = 0; t < numT; t++, flagIndex += w.capacity) {
                    int m = matchOne(w, d * numGt, n, t * numGt, Math.min(iouThrs[t], 1 - 1e-10));
                    boolean matched = false;
                    boolean ignored = false;
                    if (m >= 0) {
                        w.gtMatched[t * numGt + m] = true;
                        ignored = w.gtIgnored[m];
                        matched = gt.annId[w.gtAnn[m]] != 0;
                    }
                    if (!matched && outside) {
                        ignored = true;
                    }
                    w.flags[flagIndex] = (byte) ((matched ? MATCHED : 0) | (ignored ? IGNORED : 0));
                }
            }
        }
    }

    /**
     * pycocotools' greedy match of one detection at one threshold, over the candidates in
     * {@code w.ordered[0, n)}: returns the ground truth index or -1. Ground truth outside the
     * candidates has IoU below every threshold; in pycocotools' loop such a box can only be
     * skipped or end the loop at the ignored boxes after a regular match, and neither changes
     * which box is chosen, so leaving it out gives the same answer.
     */
    private static int matchOne(CategoryWork w, int row, int n, int matchedBase, double threshold) {
        double best = threshold;
        int m = -1;
        for (int s = 0; s < n; s++) {
            int g = w.ordered[s];
            if (w.gtMatched[matchedBase + g] && !w.gtCrowd[g]) {
                continue;
            }
            if (m > -1 && !w.gtIgnored[m] && w.gtIgnored[g]) {
                break;
            }
            double v = w.ious[row + g];
            if (v < best) {
                continue;
            }
            best = v;
            m = g;
        }
        return m;
    }

    private double lowestThreshold() {
        double lowest = Double.POSITIVE_INFINITY;
        for (double t : iouThrs) {
            lowest = Math.min(lowest, Math.min(t, 1 - 1e-10));
        }
        return lowest;
    }

    /** pycocotools' accumulate for this category: precision and recall at every (t, a, m). */
    private void accumulate(int k, CategoryWork w) {
        final int numT = iouThrs.length;
        final int numA = areaLo.length;
        final int numM = maxDets.length;
        final int numKept = w.numKept;
        int[] order = new int[numKept];
        for (int i = 0; i < numKept; i++) {
            order[i] = i;
        }
        StableScoreOrder.sort(w.score, order, 0, numKept, new int[numKept]);
        int[] selected = new int[numKept];
        int[] candidates = new int[numKept];
        int[] fpBefore = new int[numKept];
        double[] tpPrecision = new double[numKept + 1];
        for (int m = 0; m < numM; m++) {
            int maxDet = maxDets[m];
            int nd = 0;
            for (int i = 0; i < numKept; i++) {
                if (w.rank[order[i]] < maxDet) {
                    selected[nd++] = order[i];
                }
            }
            for (int a = 0; a < numA; a++) {
                long npig = w.numRegularGt[a];
                if (npig == 0) {
                    continue;
                }
                // Detections without candidates are the same at every threshold: a false positive
                // inside the area range, ignored outside it. Count them once; walk the rest per t.
                double lo = areaLo[a];
                double hi = areaHi[a];
                int numCandidates = 0;
                int fixedFp = 0;
                for (int i = 0; i < nd; i++) {
                    int d = selected[i];
                    if (w.hasCandidate[d]) {
                        candidates[numCandidates] = d;
                        fpBefore[numCandidates++] = fixedFp;
                    } else if (!(w.area[d] < lo || w.area[d] > hi)) {
                        fixedFp++;
                    }
                }
                for (int t = 0; t < numT; t++) {
                    curve(
                            w.flags,
                            (a * numT + t) * w.capacity,
                            candidates,
                            fpBefore,
                            numCandidates,
                            nd,
                            npig,
                            tpPrecision,
                            k,
                            t,
                            a,
                            m);
                }
            }
        }
    }

    /**
     * One precision/recall curve. pycocotools computes precision tp/(tp+fp+eps) at every
     * detection, makes it non-increasing from the end and reads it at the first index whose
     * recall reaches each threshold. Between true positives precision only falls and recall
     * stays, so that index is a true positive (or 0 for a threshold of 0) and the suffix maximum
     * is a maximum over true positives: computing precision there only gives the same numbers.
     *
     * @param candidates the detections that can be true positives, in score order
     * @param fpBefore false positives among the other detections ranked before each candidate
     */
    private void curve(
            byte[] flags,
            int flagBase,
            int[] candidates,
            int[] fpBefore,
            int numCandidates,
            int nd,
            long npig,
            double[] tpPrecision,
            int k,
            int t,
            int a,
            int m) {
        final int numR = recThrs.length;
        final int numA = areaLo.length;
        final int numM = maxDets.length;
        int tp = 0;
        int fp = 0; // false positives among the candidates so far
        for (int c = 0; c < numCandidates; c++) {
            byte f = flags[flagBase + candidates[c]];
            if (f == MATCHED) {
                tp++;
                tpPrecision[tp - 1] = tp / ((double) (fp + fpBefore[c]) + tp + EPS);
            } else if (f == 0) {
                fp++;
            }
        }
        double npigD = npig;
        recall[((t * numCategories + k) * numA + a) * numM + m] = nd > 0 ? tp / npigD : 0;
        for (int j = tp - 1; j > 0; j--) {
            if (tpPrecision[j] > tpPrecision[j - 1]) {
                tpPrecision[j - 1] = tpPrecision[j];
            }
        }
        int stride = numCategories * numA * numM;
        int index = ((t * numR * numCategories + k) * numA + a) * numM + m;
        int j = 0; // j true positives seen: recall j / npig
        for (int r = 0; r < numR; r++, index += stride) {
            double threshold = recThrs[r];
            double q;
            if (nd == 0) {
                q = 0; // searchsorted on an empty curve: index 0 is past the end
            } else if (threshold <= 0) {
                q = tp > 0 ? tpPrecision[0] : 0; // rc[0] >= 0: the whole curve's maximum
            } else {
                while (j < tp && (j + 1) / npigD < threshold) {
                    j++;
                }
                q = j < tp ? tpPrecision[j] : 0; // past the reached recall pycocotools leaves 0
            }
            precision[index] = q;
        }
    }
}
