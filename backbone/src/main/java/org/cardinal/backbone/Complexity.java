package org.cardinal.backbone;

import java.util.ArrayList;
import java.util.List;

/**
 * Parameter count and multiply-adds (MACs) of a backbone at a given input size, per stage and in
 * total, computed from the architecture alone (no tensors are allocated).
 *
 * <p>Counting follows torchvision's model tables and the paper's Table 1: parameters are the
 * trainable tensors (conv weights, norm weight and bias, fc weight and bias; running statistics are
 * buffers and not counted); MACs count convolutions and the fully connected layer only ({@code
 * H_out * W_out * C_out * C_in / groups * k * k} per conv, {@code in * out} for fc), not norms,
 * ReLUs, pooling or additions. ResNet-50 at 224x224: 25,557,032 parameters, 4.09 GMACs.
 *
 * @param arch architecture name
 * @param height input height in pixels
 * @param width input width in pixels
 * @param stages stem ({@code conv1}), {@code conv2}..{@code conv5} (= layer1..layer4) and, when
 *     the top is counted, {@code fc}
 */
public record Complexity(String arch, long height, long width, List<Complexity.Stage> stages) {

    /**
     * One row of the table.
     *
     * @param name paper name of the stage: conv1, conv2..conv5, fc
     * @param outHeight output height (1 for fc)
     * @param outWidth output width (1 for fc)
     * @param outChannels output channels (classes for fc)
     * @param shape block shape as in the paper's Table 1, e.g. {@code [1x1, 128; 3x3, 128, C=32;
     *     1x1, 256] x3}
     * @param params trainable parameters of the stage
     * @param macs multiply-adds of the stage's convs / fc for one image
     */
    public record Stage(
            String name, long outHeight, long outWidth, int outChannels, String shape, long params, long macs) {}

    /** Stages as an immutable list. */
    public Complexity {
        stages = List.copyOf(stages);
    }

    /** Complexity of the full classifier (with fc) for a {@code height x width} input. */
    public static Complexity of(BackboneConfig cfg, long height, long width) {
        return of(cfg, height, width, true);
    }

    /** Complexity with or without the classification top ({@code fc}). */
    public static Complexity of(BackboneConfig cfg, long height, long width, boolean includeTop) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("input size must be positive, got " + height + "x" + width);
        }
        List<Stage> stages = new ArrayList<>();
        int base = cfg.baseChannels();
        // Stem: 7x7/2 conv then 3x3/2 max pool (pad 1).
        long h = KaimingConv.outSize(height, 7, 2, 3);
        long w = KaimingConv.outSize(width, 7, 2, 3);
        long stemMacs = conv(h, w, 3, base, 7, 1);
        long stemParams = 3L * base * 49 + 2L * base;
        stages.add(new Stage("conv1", h, w, base, "7x7, " + base + ", stride 2", stemParams, stemMacs));
        h = KaimingConv.outSize(h, 3, 2, 1);
        w = KaimingConv.outSize(w, 3, 2, 1);

        int in = base;
        int[] out = cfg.stageChannels();
        for (int stage = 1; stage <= 4; stage++) {
            long params = 0;
            long macs = 0;
            int c = out[stage - 1];
            int n = cfg.layers()[stage - 1];
            int groupWidth = cfg.groupWidth(stage);
            int g = cfg.isBottleneck() ? cfg.cardinality() : 1;
            for (int unit = 0; unit < n; unit++) {
                int stride = unit == 0 && stage > 1 ? 2 : 1;
                long oh = KaimingConv.outSize(h, 3, stride, 1);
                long ow = KaimingConv.outSize(w, 3, stride, 1);
                if (cfg.isBottleneck()) {
                    // conv1 1x1 at the input resolution; stride sits on conv2 (torchvision v1.5).
                    params += convParams(in, groupWidth, 1, 1)
                            + convParams(groupWidth, groupWidth, 3, g)
                            + convParams(groupWidth, c, 1, 1)
                            + 2L * (groupWidth + groupWidth + c);
                    macs += conv(h, w, in, groupWidth, 1, 1)
                            + conv(oh, ow, groupWidth, groupWidth, 3, g)
                            + conv(oh, ow, groupWidth, c, 1, 1);
                } else {
                    params += convParams(in, c, 3, 1) + convParams(c, c, 3, 1) + 4L * c;
                    macs += conv(oh, ow, in, c, 3, 1) + conv(oh, ow, c, c, 3, 1);
                }
                if (stride != 1 || in != c) {
                    params += convParams(in, c, 1, 1) + 2L * c;
                    macs += conv(oh, ow, in, c, 1, 1);
                }
                in = c;
                h = oh;
                w = ow;
            }
            stages.add(new Stage("conv" + (stage + 1), h, w, c, shape(cfg, stage), params, macs));
        }
        if (includeTop) {
            long params = (long) in * cfg.numClasses() + cfg.numClasses();
            long macs = (long) in * cfg.numClasses();
            stages.add(new Stage(
                    "fc", 1, 1, cfg.numClasses(), "global average pool, " + cfg.numClasses() + "-d fc", params, macs));
        }
        return new Complexity(cfg.name(), height, width, stages);
    }

    /** Total trainable parameters. */
    public long params() {
        return stages.stream().mapToLong(Stage::params).sum();
    }

    /** Total multiply-adds for one image. */
    public long macs() {
        return stages.stream().mapToLong(Stage::macs).sum();
    }

    /** The paper's notation of a stage's units, e.g. {@code [1x1, 128; 3x3, 128, C=32; 1x1, 256] x3}. */
    static String shape(BackboneConfig cfg, int stage) {
        int n = cfg.layers()[stage - 1];
        int c = cfg.stageChannels()[stage - 1];
        if (!cfg.isBottleneck()) {
            return "[3x3, " + c + "; 3x3, " + c + "] x" + n;
        }
        int gw = cfg.groupWidth(stage);
        String groups = cfg.cardinality() > 1 ? ", C=" + cfg.cardinality() : "";
        return "[1x1, " + gw + "; 3x3, " + gw + groups + "; 1x1, " + c + "] x" + n;
    }

    private static long convParams(int in, int out, int k, int groups) {
        return (long) out * (in / groups) * k * k;
    }

    private static long conv(long h, long w, int in, int out, int k, int groups) {
        return h * w * out * (long) (in / groups) * k * k;
    }
}
