package org.cardinal.coco;

/**
 * The mean of the entries &gt; -1, summed exactly as numpy's {@code np.mean} sums (pairwise, in
 * blocks of 8 below 128 elements), so the summary numbers agree with pycocotools to the last bit
 * rather than to rounding. Returns -1 when no entry is defined, as pycocotools' summarize does.
 */
final class PairwiseMean {
    private PairwiseMean() {}

    /** Mean of {@code values[0, n)} that are &gt; -1, or -1 if there are none. */
    static double definedMean(double[] values, int n) {
        double[] kept = new double[n];
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (values[i] > -1) {
                kept[m++] = values[i];
            }
        }
        if (m == 0) {
            return -1;
        }
        return sum(kept, 0, m) / m;
    }

    /** numpy's pairwise_sum over {@code a[lo, lo + n)}. */
    static double sum(double[] a, int lo, int n) {
        if (n < 8) {
            double res = 0.;
            for (int i = 0; i < n; i++) {
                res += a[lo + i];
            }
            return res;
        } else if (n <= 128) {
            double r0 = a[lo];
            double r1 = a[lo + 1];
            double r2 = a[lo + 2];
            double r3 = a[lo + 3];
            double r4 = a[lo + 4];
            double r5 = a[lo + 5];
            double r6 = a[lo + 6];
            double r7 = a[lo + 7];
            int i;
            for (i = 8; i < n - (n % 8); i += 8) {
                r0 += a[lo + i];
                r1 += a[lo + i + 1];
                r2 += a[lo + i + 2];
                r3 += a[lo + i + 3];
                r4 += a[lo + i + 4];
                r5 += a[lo + i + 5];
                r6 += a[lo + i + 6];
                r7 += a[lo + i + 7];
            }
            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++) {
                res += a[lo + i];
            }
            return res;
        } else {
            int n2 = n / 2;
            n2 -= n2 % 8;
            return sum(a, lo, n2) + sum(a, lo + n2, n - n2);
        }
    }
}
