package org.cardinal.detector.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PairedStatisticsTest {

    @Test
    void tQuantilesMatchTheTabulatedValues() {
        // two-sided 95% critical values from any t table
        double[][] table = {{1, 12.706}, {2, 4.303}, {4, 2.776}, {9, 2.262}, {29, 2.045}, {120, 1.980}};
        for (double[] row : table) {
            assertEquals(row[1], PairedStatistics.studentTQuantile(0.975, row[0]), 5e-4, "dof " + row[0]);
        }
    }

    @Test
    void tQuantilesMatchTheClosedFormsForOneAndTwoDegreesOfFreedom() {
        for (double p : new double[] {0.6, 0.9, 0.975, 0.995, 0.3}) {
            // dof 1 is the Cauchy distribution; dof 2 has t = (2p - 1) / sqrt(2p(1 - p))
            assertEquals(Math.tan(Math.PI * (p - 0.5)), PairedStatistics.studentTQuantile(p, 1), 1e-9, "p " + p);
            assertEquals((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), PairedStatistics.studentTQuantile(p, 2), 1e-9);
        }
        // many degrees of freedom approach the normal distribution's 1.959964
        assertEquals(1.959964, PairedStatistics.studentTQuantile(0.975, 1e7), 1e-5);
        assertEquals(0.5, PairedStatistics.studentTCdf(0, 3), 1e-15);
    }

    @Test
    void confidenceIntervalOfAHandComputedExample() {
        // differences 1, 2, 0.5: mean 7/6, s = sqrt(7/12), t(0.975, 2) = 4.302653
        PairedStatistics.Difference d =
                PairedStatistics.difference(new double[] {31, 34, 31.5}, new double[] {30, 32, 31});
        assertEquals(3, d.n());
        assertEquals(7.0 / 6, d.mean(), 1e-12);
        assertEquals(Math.sqrt(7.0 / 12), d.std(), 1e-12);
        assertEquals(4.302653, d.tCritical(), 1e-6);
        double half = 4.3026527 * Math.sqrt(7.0 / 12) / Math.sqrt(3);
        assertEquals(7.0 / 6 - half, d.low(), 1e-6);
        assertEquals(7.0 / 6 + half, d.high(), 1e-6);
        assertEquals(-0.730625, d.low(), 1e-6);
        assertEquals(3.063958, d.high(), 1e-6);
        assertFalse(d.above() || d.below());
        assertEquals(0.5, d.perSeed()[2], 0);
    }

    @Test
    void meanAndSampleStandardDeviation() {
        PairedStatistics.Summary s = PairedStatistics.summary(new double[] {2, 4, 4, 4, 5, 5, 7, 9});
        assertEquals(5, s.mean(), 1e-12);
        assertEquals(Math.sqrt(32.0 / 7), s.std(), 1e-12);
        assertTrue(Double.isNaN(PairedStatistics.summary(new double[] {3}).std()));
        assertThrows(
                IllegalArgumentException.class,
                () -> PairedStatistics.difference(new double[] {1, 2}, new double[] {1}));
    }

    @Test
    void verdictWithOneSeedSaysNoUncertaintyCanBeEstimated() {
        PairedStatistics.Difference d = PairedStatistics.difference(new double[] {36.1}, new double[] {34.0});
        assertFalse(d.hasInterval());
        assertTrue(Double.isNaN(d.low()));
        assertEquals(
                "resnext minus resnet is +2.10 AP with one seed; no uncertainty can be estimated from one seed,"
                        + " so this may be noise (run more seeds)",
                Verdict.of("resnext", "resnet", d));
    }

    @Test
    void verdictWhenTheIntervalExcludesZeroNamesTheBackboneAhead() {
        // differences 1.0, 1.2, 0.8, 1.1, 0.9: mean 1, s = sqrt(0.025), t(0.975, 4) = 2.776445
        PairedStatistics.Difference up = PairedStatistics.difference(
                new double[] {31.0, 31.2, 30.8, 31.1, 30.9}, new double[] {30, 30, 30, 30, 30});
        assertTrue(up.above());
        assertEquals(
                "resnext ahead of resnet by 1.00 AP (95% CI 0.80 to 1.20, 5 seeds)",
                Verdict.of("resnext", "resnet", up));
        PairedStatistics.Difference down = PairedStatistics.difference(
                new double[] {30, 30, 30, 30, 30}, new double[] {31.0, 31.2, 30.8, 31.1, 30.9});
        assertTrue(down.below());
        assertEquals(
                "resnet ahead of resnext by 1.00 AP (95% CI 0.80 to 1.20, 5 seeds)",
                Verdict.of("resnext", "resnet", down));
    }

    @Test
    void differenceThatRoundsToZeroHasNoMinusSign() {
        assertEquals("+0.00", Verdict.signed(-0.001));
        assertEquals("-0.01", Verdict.signed(-0.006));
        assertEquals("+1.17", Verdict.signed(7.0 / 6));
    }

    @Test
    void verdictWhenTheIntervalContainsZeroClaimsNoDifference() {
        PairedStatistics.Difference d =
                PairedStatistics.difference(new double[] {31, 34, 31.5}, new double[] {30, 32, 31});
        assertEquals(
                "no difference detectable with 3 seeds at this budget: resnext minus resnet is +1.17 AP "
                        + "(95% CI -0.73 to 3.06, 3 seeds), an interval that contains 0",
                Verdict.of("resnext", "resnet", d));
    }
}
