package org.cardinal.detector.compare;

import java.util.Arrays;

/**
 * The statistics a backbone comparison over seeds can support: per backbone the mean and the
 * sample standard deviation of a metric over seeds; between two backbones the paired
 * difference (seed by seed: the candidate's value minus the reference's with the same seed,
 * which trained on the same images in the same order from the same initial heads) and its
 * two-sided confidence interval from Student's t distribution with n - 1 degrees of freedom.
 *
 * <p>Pairing removes the seed-to-seed variation the two arms share (a lucky data order helps
 * both), so the interval is usually much narrower than one computed from the two groups apart.
 * The interval assumes the per-seed differences are independent draws from a normal
 * distribution; with a handful of seeds that is an assumption, not a finding. No interval can be
 * estimated from one seed: {@link Difference#hasInterval()} is false and the bounds are NaN.
 *
 * <p>The t quantile is computed, not tabulated: bisection on the t distribution's CDF, which is
 * the regularized incomplete beta function (continued fraction, as in Numerical Recipes).
 */
public final class PairedStatistics {

    /** Confidence level of the intervals. */
    public static final double CONFIDENCE = 0.95;

    /**
     * Mean and spread of one metric over seeds.
     *
     * @param n number of values
     * @param mean their mean (NaN when n = 0)
     * @param std sample standard deviation, n - 1 in the denominator (NaN when n < 2)
     */
    public record Summary(int n, double mean, double std) {}

    /**
     * The paired difference candidate minus reference over the seeds both finished.
     *
     * @param n number of pairs
     * @param mean mean difference (NaN when n = 0)
     * @param std sample standard deviation of the differences (NaN when n < 2)
     * @param low lower bound of the {@link #CONFIDENCE} interval of the mean difference (NaN when n < 2)
     * @param high upper bound (NaN when n < 2)
     * @param tCritical Student's t quantile used, t(0.975, n - 1) (NaN when n < 2)
     * @param perSeed the differences, seed by seed
     */
    public record Difference(
            int n, double mean, double std, double low, double high, double tCritical, double[] perSeed) {

        /** @return a copy of the per-seed differences */
        @Override
        public double[] perSeed() {
            return perSeed.clone();
        }

        /** @return whether an interval could be estimated (two pairs or more) */
        public boolean hasInterval() {
            return n >= 2;
        }

        /** @return whether the interval lies entirely above zero */
        public boolean above() {
            return hasInterval() && low > 0;
        }

        /** @return whether the interval lies entirely below zero */
        public boolean below() {
            return hasInterval() && high < 0;
        }
    }

    private PairedStatistics() {}

    /**
     * @param values the values
     * @return their mean, NaN for none
     */
    public static double mean(double[] values) {
        return values.length == 0 ? Double.NaN : Arrays.stream(values).sum() / values.length;
    }

    /**
     * @param values the values
     * @return the sample standard deviation (n - 1 in the denominator), NaN for fewer than two
     */
    public static double sampleStd(double[] values) {
        if (values.length < 2) {
            return Double.NaN;
        }
        double m = mean(values);
        double ss = 0;
        for (double v : values) {
            ss += (v - m) * (v - m);
        }
        return Math.sqrt(ss / (values.length - 1));
    }

    /**
     * @param values one metric over seeds
     * @return its mean and sample standard deviation
     */
    public static Summary summary(double[] values) {
        return new Summary(values.length, mean(values), sampleStd(values));
    }

    /**
     * The paired difference and its {@link #CONFIDENCE} interval: mean ± t(0.975, n - 1) · s / √n.
     *
     * @param candidate the candidate's value for each seed
     * @param reference the reference's value for the same seeds, in the same order
     * @return the difference candidate - reference
     * @throws IllegalArgumentException when the arrays differ in length
     */
    public static Difference difference(double[] candidate, double[] reference) {
        if (candidate.length != reference.length) {
            throw new IllegalArgumentException("paired values: " + candidate.length + " candidate values but "
                    + reference.length + " reference values");
        }
        double[] d = new double[candidate.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = candidate[i] - reference[i];
        }
        int n = d.length;
        double mean = mean(d);
        if (n < 2) {
            return new Difference(n, mean, Double.NaN, Double.NaN, Double.NaN, Double.NaN, d);
        }
        double std = sampleStd(d);
        double t = studentTQuantile(0.5 + CONFIDENCE / 2, n - 1);
        double half = t * std / Math.sqrt(n);
        return new Difference(n, mean, std, mean - half, mean + half, t, d);
    }

    /**
     * The quantile of Student's t distribution, e.g. {@code studentTQuantile(0.975, 4) = 2.776}.
     *
     * @param p a probability in (0, 1)
     * @param dof degrees of freedom, > 0
     * @return t such that P(T <= t) = p
     */
    public static double studentTQuantile(double p, double dof) {
        if (!(p > 0 && p < 1) || !(dof > 0)) {
            throw new IllegalArgumentException(
                    "t quantile: expected 0 < p < 1 and dof > 0, found p = " + p + ", dof = " + dof);
        }
        if (p < 0.5) {
            return -studentTQuantile(1 - p, dof);
        }
        double lo = 0;
        double hi = 1;
        while (studentTCdf(hi, dof) < p) {
            lo = hi;
            hi *= 2;
        }
        // the CDF is increasing: halve the bracket until it is as narrow as doubles allow
        for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
            double mid = 0.5 * (lo + hi);
            if (studentTCdf(mid, dof) < p) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    /**
     * @param t a value
     * @param dof degrees of freedom, > 0
     * @return P(T <= t) for Student's t distribution
     */
    public static double studentTCdf(double t, double dof) {
        // P(|T| > |t|) = I_x(dof / 2, 1 / 2) with x = dof / (dof + t^2)
        double tail = 0.5 * regularizedIncompleteBeta(dof / (dof + t * t), dof / 2, 0.5);
        return t >= 0 ? 1 - tail : tail;
    }

    /**
     * The regularized incomplete beta function I_x(a, b).
     *
     * @param x in [0, 1]
     * @param a > 0
     * @param b > 0
     * @return I_x(a, b)
     */
    static double regularizedIncompleteBeta(double x, double a, double b) {
        if (x <= 0) {
            return 0;
        }
        if (x >= 1) {
            return 1;
        }
        double front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
        // the continued fraction converges fast only below the mean; use the symmetry above it
        if (x < (a + 1) / (a + b + 2)) {
            return front * betaContinuedFraction(x, a, b) / a;
        }
        return 1 - front * betaContinuedFraction(1 - x, b, a) / b;
    }

    /** Lentz's evaluation of the continued fraction of I_x(a, b). */
    private static double betaContinuedFraction(double x, double a, double b) {
        final double tiny = 1e-300;
        double c = 1;
        double d = 1 - (a + b) * x / (a + 1);
        d = 1 / (Math.abs(d) < tiny ? tiny : d);
        double h = d;
        for (int m = 1; m <= 500; m++) {
            int m2 = 2 * m;
            double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + num * d;
            d = 1 / (Math.abs(d) < tiny ? tiny : d);
            c = 1 + num / c;
            c = Math.abs(c) < tiny ? tiny : c;
            h *= d * c;
            num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + num * d;
            d = 1 / (Math.abs(d) < tiny ? tiny : d);
            c = 1 + num / c;
            c = Math.abs(c) < tiny ? tiny : c;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < 1e-15) {
                break;
            }
        }
        return h;
    }

    /** ln Γ(x) for x > 0 (Lanczos, g = 7, nine coefficients: about 15 significant digits). */
    static double logGamma(double x) {
        final double[] c = {
            0.99999999999980993,
            676.5203681218851,
            -1259.1392167224028,
            771.32342877765313,
            -176.61502916214059,
            12.507343278686905,
            -0.13857109526572012,
            9.9843695780195716e-6,
            1.5056327351493116e-7
        };
        if (x < 0.5) {
            // reflection: Γ(x) Γ(1 - x) = π / sin(πx)
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        }
        double z = x - 1;
        double sum = c[0];
        for (int i = 1; i < c.length; i++) {
            sum += c[i] / (z + i);
        }
        double t = z + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
    }
}
