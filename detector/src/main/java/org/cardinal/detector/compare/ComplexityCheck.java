package org.cardinal.detector.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.cardinal.backbone.Complexity;
import org.cardinal.backbone.spi.BackboneSpec;

/**
 * Checks the premise of a backbone swap: the backbones compared are of similar complexity. The
 * paper compares ResNeXt with a ResNet of the same parameters and FLOPs (ResNet-50: 25.5 M, 4.1
 * GFLOPs; ResNeXt-50 32x4d: 25.0 M, 4.2), so that a difference in accuracy comes from the
 * architecture, not from size. Here each backbone's parameters and multiply-adds (the backbone
 * alone, without its classifier, at a square input) are compared with the first backbone's; a
 * backbone more than {@link #TOLERANCE} away in either gets a warning, which the report and the
 * console show prominently.
 *
 * @param inputSize side of the square input the multiply-adds are counted at
 * @param rows one per backbone, the first being the reference
 */
public record ComplexityCheck(int inputSize, List<ComplexityCheck.Row> rows) {

    /** Largest relative difference from the first backbone still called similar complexity. */
    public static final double TOLERANCE = 0.10;

    /**
     * One backbone's complexity.
     *
     * @param backbone its name
     * @param shape its shape in the paper's terms, e.g. "bottleneck [3, 4, 6, 3], 32x4d"
     * @param params trainable parameters (no classifier)
     * @param macs multiply-adds for one image at {@code inputSize x inputSize}
     * @param paramsRatio params relative to the first backbone's
     * @param macsRatio macs relative to the first backbone's
     */
    public record Row(String backbone, String shape, long params, long macs, double paramsRatio, double macsRatio) {

        /** @return whether both ratios are within {@link #TOLERANCE} of 1 */
        public boolean similar() {
            return Math.abs(paramsRatio - 1) <= TOLERANCE && Math.abs(macsRatio - 1) <= TOLERANCE;
        }
    }

    /** Rows as an immutable list. */
    public ComplexityCheck {
        rows = List.copyOf(rows);
    }

    /**
     * @param backbones the compared backbones, the reference first
     * @param inputSize side of the square input for the multiply-adds
     * @return the check
     */
    public static ComplexityCheck of(List<? extends BackboneSpec> backbones, int inputSize) {
        List<Row> rows = new ArrayList<>();
        Complexity first = null;
        for (BackboneSpec b : backbones) {
            Complexity c = b.complexity(inputSize, inputSize, false);
            first = first == null ? c : first;
            String shape = b.summary();
            rows.add(new Row(
                    b.name(),
                    shape,
                    c.params(),
                    c.macs(),
                    (double) c.params() / first.params(),
                    (double) c.macs() / first.macs()));
        }
        return new ComplexityCheck(inputSize, rows);
    }

    /** @return whether every backbone is of similar complexity to the first */
    public boolean similar() {
        return rows.stream().allMatch(Row::similar);
    }

    /**
     * @return one sentence per backbone that is not of similar complexity to the first (none when
     *     the comparison is controlled for complexity)
     */
    public List<String> warnings() {
        List<String> out = new ArrayList<>();
        Row ref = rows.get(0);
        for (Row r : rows.subList(1, rows.size())) {
            if (r.similar()) {
                continue;
            }
            out.add(String.format(
                    Locale.ROOT,
                    "%s is not of similar complexity to %s: %.2fx its parameters (%s vs %s) "
                            + "and %.2fx its GMACs at %dx%d (%s vs %s), and both should be within %.0f%%, "
                            + "so a difference in AP may come from size rather than from the architecture",
                    r.backbone(),
                    ref.backbone(),
                    r.paramsRatio(),
                    millions(r.params()),
                    millions(ref.params()),
                    r.macsRatio(),
                    inputSize,
                    inputSize,
                    gmacs(r.macs()),
                    gmacs(ref.macs()),
                    100 * TOLERANCE));
        }
        return out;
    }

    /** @return parameters in millions, e.g. "0.51M" or "25.6M" */
    static String millions(long n) {
        return String.format(Locale.ROOT, n < 10_000_000 ? "%.2fM" : "%.1fM", n / 1e6);
    }

    /** @return multiply-adds in units of 1e9 with three significant digits, e.g. "0.114" or "4.09" */
    static String gmacs(long macs) {
        double g = macs / 1e9;
        return String.format(Locale.ROOT, g < 1 ? "%.3f" : g < 10 ? "%.2f" : "%.1f", g);
    }
}
