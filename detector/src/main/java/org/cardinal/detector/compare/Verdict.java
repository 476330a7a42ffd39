package org.cardinal.detector.compare;

import java.util.Locale;

/**
 * The comparison's conclusion in plain words, never claiming more than the confidence interval
 * of the paired AP difference does:
 *
 * <ul>
 *   <li>the interval lies above zero: "CANDIDATE ahead of REFERENCE by X AP (95% CI a to b, N
 *       seeds)";
 *   <li>it lies below zero: the same sentence with the two backbones swapped;
 *   <li>it contains zero: "no difference detectable with N seeds at this budget", with the
 *       estimate and its interval, since a difference smaller than the interval's half width may
 *       well exist;
 *   <li>one seed: the difference of that seed, and that no uncertainty can be estimated from it.
 * </ul>
 *
 * AP is in points (percent), as the paper's tables give it.
 */
public final class Verdict {

    private Verdict() {}

    /**
     * @param candidate the backbone compared (e.g. the ResNeXt)
     * @param reference the backbone it is compared with (the first of the config, e.g. the ResNet)
     * @param ap the paired difference of AP, candidate minus reference, in AP points
     * @return one sentence
     */
    public static String of(String candidate, String reference, PairedStatistics.Difference ap) {
        if (ap.n() == 0) {
            return candidate + " vs " + reference + ": no seed has finished for both yet, so nothing can be said";
        }
        if (!ap.hasInterval()) {
            return String.format(
                    Locale.ROOT,
                    "%s minus %s is %s AP with one seed; no uncertainty can be "
                            + "estimated from one seed, so this may be noise (run more seeds)",
                    candidate,
                    reference,
                    signed(ap.mean()));
        }
        String ci = String.format(Locale.ROOT, "95%% CI %.2f to %.2f, %d seeds", ap.low(), ap.high(), ap.n());
        if (ap.above()) {
            return String.format(Locale.ROOT, "%s ahead of %s by %.2f AP (%s)", candidate, reference, ap.mean(), ci);
        }
        if (ap.below()) {
            // the same interval seen from the other side: reference minus candidate
            return String.format(
                    Locale.ROOT,
                    "%s ahead of %s by %.2f AP (95%% CI %.2f to %.2f, %d seeds)",
                    reference,
                    candidate,
                    -ap.mean(),
                    -ap.high(),
                    -ap.low(),
                    ap.n());
        }
        return String.format(
                Locale.ROOT,
                "no difference detectable with %d seeds at this budget: %s minus %s is "
                        + "%s AP (%s), an interval that contains 0",
                ap.n(),
                candidate,
                reference,
                signed(ap.mean()),
                ci);
    }

    /**
     * @param v a difference
     * @return it with its sign and two decimals; one that rounds to zero is "+0.00", never "-0.00"
     */
    static String signed(double v) {
        double rounded = Math.round(v * 100) / 100.0;
        return String.format(Locale.ROOT, "%+.2f", rounded == 0 ? 0.0 : rounded);
    }
}
