package org.cardinal.coco;

/**
 * Orders detections by descending score, keeping the given order among equal scores: numpy's
 * {@code argsort(-scores, kind='mergesort')}, which pycocotools uses both per image and across
 * images. Scores compare with {@code <}, so -0.0 and 0.0 tie, as in numpy.
 */
final class StableScoreOrder {
    private StableScoreOrder() {}

    private static final int INSERTION_LIMIT = 24;

    /** Sorts {@code idx[from, to)} (indices into {@code score}) by descending score, stably. */
    static void sort(double[] score, int[] idx, int from, int to, int[] tmp) {
        if (to - from <= INSERTION_LIMIT) {
            insertion(score, idx, from, to);
            return;
        }
        int mid = (from + to) >>> 1;
        sort(score, idx, from, mid, tmp);
        sort(score, idx, mid, to, tmp);
        if (!(score[idx[mid - 1]] < score[idx[mid]])) {
            return; // already in order: the left run's last is >= the right run's first
        }
        System.arraycopy(idx, from, tmp, from, mid - from);
        int i = from;
        int j = mid;
        int k = from;
        while (i < mid && j < to) {
            // take from the right only when strictly greater: ties keep left (earlier) first
            if (score[tmp[i]] < score[idx[j]]) {
                idx[k++] = idx[j++];
            } else {
                idx[k++] = tmp[i++];
            }
        }
        while (i < mid) {
            idx[k++] = tmp[i++];
        }
    }

    private static void insertion(double[] score, int[] idx, int from, int to) {
        for (int i = from + 1; i < to; i++) {
            int v = idx[i];
            double s = score[v];
            int j = i - 1;
            while (j >= from && score[idx[j]] < s) {
                idx[j + 1] = idx[j];
                j--;
            }
            idx[j + 1] = v;
        }
    }
}
