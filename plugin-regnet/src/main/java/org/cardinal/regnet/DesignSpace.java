package org.cardinal.regnet;

import java.util.ArrayList;
import java.util.List;

/**
 * The stages of a RegNet from its design-space parameters, computed as torchvision's {@code
 * BlockParams.from_init_params} does (Radosavovic et al. 2020, section 3.3): block j's continuous
 * width {@code u_j = w0 + wa * j}, quantized in log space to {@code w0 * wm^round(log(u_j / w0) /
 * log(wm))} and rounded to a multiple of 8; consecutive blocks of equal width form a stage; each
 * stage's bottleneck width is then made divisible by its group width.
 *
 * <p>torchvision computes the first step in float32 tensors (and rounds half to even); so does this
 * class, so that the quantization agrees where a value falls near a rounding boundary.
 */
final class DesignSpace {

    /** Widths are quantized to multiples of this. */
    private static final int QUANT = 8;

    /**
     * One stage.
     *
     * @param depth blocks
     * @param width output channels of every block
     * @param groupWidth channels per group of the 3x3 convolution
     */
    record Stage(int depth, int width, int groupWidth) {

        /**
         * @param bottleneckRatio the bottleneck ratio b
         * @return channels of the bottleneck (of the grouped 3x3 convolution)
         */
        int bottleneck(double bottleneckRatio) {
            return (int) Math.rint(width * bottleneckRatio);
        }

        /**
         * @param bottleneckRatio the bottleneck ratio b
         * @return groups of the 3x3 convolution
         */
        int groups(double bottleneckRatio) {
            return bottleneck(bottleneckRatio) / groupWidth;
        }
    }

    private DesignSpace() {}

    /**
     * @return the stages, in order (each of stride 2)
     * @throws IllegalArgumentException where torchvision refuses the parameters
     */
    static List<Stage> stages(int depth, int w0, double wa, double wm, int groupWidth, double bottleneckRatio) {
        if (wa < 0 || w0 <= 0 || wm <= 1 || w0 % QUANT != 0) {
            throw new IllegalArgumentException("invalid RegNet settings: w0 must be a positive multiple of 8, "
                    + "wa >= 0, wm > 1 (got w0 " + w0 + ", wa " + wa + ", wm " + wm + ")");
        }
        float fa = (float) wa;
        float fm = (float) wm;
        float logM = (float) Math.log(wm);
        int[] blockWidths = new int[depth];
        for (int j = 0; j < depth; j++) {
            float cont = j * fa + w0;
            float capacity = (float) Math.rint((float) Math.log(cont / w0) / logM);
            float quantized = (float) Math.rint(w0 * (float) Math.pow(fm, capacity) / QUANT) * QUANT;
            blockWidths[j] = (int) quantized;
        }
        List<int[]> runs = new ArrayList<>(); // (width, depth)
        for (int w : blockWidths) {
            if (runs.isEmpty() || runs.get(runs.size() - 1)[0] != w) {
                runs.add(new int[] {w, 0});
            }
            runs.get(runs.size() - 1)[1]++;
        }
        List<Stage> stages = new ArrayList<>();
        for (int[] run : runs) {
            // torchvision's _adjust_widths_groups_compatibilty
            int bottleneck = (int) (run[0] * bottleneckRatio);
            int group = Math.min(groupWidth, bottleneck);
            int adjusted = makeDivisible(bottleneck, group);
            stages.add(new Stage(run[1], (int) (adjusted / bottleneckRatio), group));
        }
        return stages;
    }

    /** torchvision's {@code _make_divisible(v, divisor)}: the nearest multiple, not more than 10 % below. */
    private static int makeDivisible(double v, int divisor) {
        int n = Math.max(divisor, (int) (v + divisor / 2.0) / divisor * divisor);
        return n < 0.9 * v ? n + divisor : n;
    }
}
