package org.cardinal.regnet;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.cardinal.backbone.Complexity;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.backbone.spi.BuildOptions;
import org.cardinal.backbone.spi.FeatureShape;
import org.cardinal.core.config.ConfigBinder;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.InvalidFieldException;

/**
 * A RegNetX or RegNetY (Radosavovic et al., "Designing Network Design Spaces", CVPR 2020) from its
 * design-space parameters, as torchvision's {@code torchvision.models.regnet} builds it: a 3x3
 * stride-2 stem of {@code stem_width} channels, then four stages of residual bottleneck blocks
 * (1x1, grouped 3x3 of stride 2 in a stage's first block, [squeeze-and-excitation,] 1x1) whose
 * depths, widths and group widths follow the quantized linear rule ({@link DesignSpace}). RegNetY
 * is RegNetX with {@code se_ratio} > 0. Outputs C2..C5 (the four stages) at strides 4, 8, 16, 32.
 *
 * <p>Config section ({@code "backbone": {"type": "regnet", ...}}): {@code {"name": "regnet_x_400mf",
 * "depth": 22, "w0": 24, "wa": 24.48, "wm": 2.54, "group_width": 16}}, with the defaults {@code
 * "bottleneck_ratio": 1.0, "se_ratio": 0} (RegNetX), {@code "stem_width": 32, "num_classes": 1000}.
 * The parameters must give four stages, as every torchvision RegNet's do.
 *
 * @param name the architecture's name
 * @param depth blocks in all (d)
 * @param w0 initial width, a positive multiple of 8
 * @param wa width slope, >= 0
 * @param wm width multiplier in log space, > 1
 * @param groupWidth channels per group of the 3x3 convolutions (g)
 * @param bottleneckRatio bottleneck width / block width (b), 0.125..16
 * @param seRatio squeeze channels / a block's input channels; 0 for none (RegNetX)
 * @param stemWidth channels of the stem
 * @param numClasses outputs of the classification top
 */
public record RegNetConfig(
        String name,
        int depth,
        int w0,
        double wa,
        double wm,
        int groupWidth,
        double bottleneckRatio,
        double seRatio,
        int stemWidth,
        int numClasses)
        implements BackboneSpec {

    /** The output maps' names, in order. */
    public static final List<String> OUTPUTS = List.of("C2", "C3", "C4", "C5");

    /** Validates the fields; messages name the field. */
    public RegNetConfig {
        InvalidFieldException.require(name != null && !name.isBlank(), "name", "a non-empty string", name);
        InvalidFieldException.require(depth >= 4 && depth <= 1000, "depth", "an integer in 4..1000", depth);
        InvalidFieldException.require(w0 >= 8 && w0 % 8 == 0 && w0 <= 8192, "w0", "a multiple of 8 in 8..8192", w0);
        InvalidFieldException.require(wa >= 0 && wa <= 8192, "wa", "a number in 0..8192", wa);
        InvalidFieldException.require(wm > 1 && wm <= 16, "wm", "a number above 1, at most 16", wm);
        InvalidFieldException.require(
                groupWidth >= 1 && groupWidth <= 8192, "group_width", "an integer in 1..8192", groupWidth);
        InvalidFieldException.require(
                bottleneckRatio >= 0.125 && bottleneckRatio <= 16,
                "bottleneck_ratio",
                "a number in 0.125..16 (every bottleneck at least 1 channel)",
                bottleneckRatio);
        InvalidFieldException.require(seRatio >= 0 && seRatio <= 1, "se_ratio", "a number in 0..1", seRatio);
        InvalidFieldException.require(
                stemWidth >= 1 && stemWidth <= 8192, "stem_width", "an integer in 1..8192", stemWidth);
        InvalidFieldException.require(numClasses >= 1, "num_classes", "an integer >= 1", numClasses);
        List<DesignSpace.Stage> stages = DesignSpace.stages(depth, w0, wa, wm, groupWidth, bottleneckRatio);
        InvalidFieldException.require(
                stages.size() == 4,
                "depth",
                "design-space parameters (depth, w0, wa, wm) that give 4 stages",
                stages.size() + " stages of widths " + widths(stages));
        int maxWidth = stages.stream().mapToInt(DesignSpace.Stage::width).max().orElse(0);
        InvalidFieldException.require(maxWidth <= 16384, "wa", "parameters that keep every width <= 16384", maxWidth);
    }

    /**
     * @param section the provider's config section (without {@code type})
     * @param defaultName the name when the section has none
     * @param at where it sits, for error messages
     * @return the config
     */
    static RegNetConfig fromSection(JsonObject section, String defaultName, ConfigPath at) {
        JsonObject defaults = new JsonObject();
        defaults.addProperty("name", defaultName);
        defaults.addProperty("bottleneck_ratio", 1.0);
        defaults.addProperty("se_ratio", 0.0);
        defaults.addProperty("stem_width", 32);
        defaults.addProperty("num_classes", 1000);
        return ConfigBinder.bind(section, RegNetConfig.class, defaults, at);
    }

    /** @return the four stages: depth, width and group width of each */
    List<DesignSpace.Stage> stages() {
        return DesignSpace.stages(depth, w0, wa, wm, groupWidth, bottleneckRatio);
    }

    /** @return squeeze channels of a block with {@code in} input channels, 0 without SE */
    int squeeze(int in) {
        return seRatio > 0 ? (int) Math.rint(seRatio * in) : 0;
    }

    @Override
    public String type() {
        return RegNetProvider.TYPE;
    }

    @Override
    public String summary() {
        List<DesignSpace.Stage> stages = stages();
        return (seRatio > 0 ? "RegNetY" : "RegNetX") + ", depths "
                + stages.stream().map(s -> String.valueOf(s.depth())).toList() + ", widths " + widths(stages)
                + ", group width " + groupWidth;
    }

    private static List<Integer> widths(List<DesignSpace.Stage> stages) {
        return stages.stream().map(DesignSpace.Stage::width).toList();
    }

    @Override
    public RegNetConfig withNumClasses(int classes) {
        return new RegNetConfig(name, depth, w0, wa, wm, groupWidth, bottleneckRatio, seRatio, stemWidth, classes);
    }

    @Override
    public List<FeatureShape> featureShapes() {
        List<DesignSpace.Stage> stages = stages();
        List<FeatureShape> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            out.add(new FeatureShape(OUTPUTS.get(i), stages.get(i).width(), 4 << i));
        }
        return out;
    }

    /**
     * Convolutions without bias, each followed by a norm (weight and bias counted); the SE's two
     * 1x1 convolutions have biases and run on the pooled 1x1 map. MACs count convolutions and the
     * fc, as {@link Complexity} says (torch's flop counter gives twice these numbers).
     */
    @Override
    public Complexity complexity(long height, long width, boolean includeTop) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("input size must be positive, got " + height + "x" + width);
        }
        List<Complexity.Stage> rows = new ArrayList<>();
        long h = half(height);
        long w = half(width);
        rows.add(new Complexity.Stage(
                "stem",
                h,
                w,
                stemWidth,
                "3x3, " + stemWidth + ", stride 2",
                27L * stemWidth + 2L * stemWidth,
                h * w * 27L * stemWidth));
        int in = stemWidth;
        List<DesignSpace.Stage> stages = stages();
        for (int i = 0; i < 4; i++) {
            DesignSpace.Stage st = stages.get(i);
            int out = st.width();
            int wb = st.bottleneck(bottleneckRatio);
            int groups = st.groups(bottleneckRatio);
            long params = 0;
            long macs = 0;
            for (int k = 0; k < st.depth(); k++) {
                long oh = k == 0 ? half(h) : h;
                long ow = k == 0 ? half(w) : w;
                if (k == 0) { // proj: a stage's first block has stride 2
                    params += (long) in * out + 2L * out;
                    macs += oh * ow * in * out;
                }
                params += (long) in * wb + 2L * wb;
                macs += h * w * in * wb;
                params += 9L * wb * (wb / groups) + 2L * wb;
                macs += oh * ow * 9L * wb * (wb / groups);
                int se = squeeze(in);
                if (se > 0) {
                    params += 2L * wb * se + se + wb;
                    macs += 2L * wb * se;
                }
                params += (long) wb * out + 2L * out;
                macs += oh * ow * wb * out;
                h = oh;
                w = ow;
                in = out;
            }
            String block = "[1x1, " + wb + "; 3x3, " + wb + ", g=" + groups + (seRatio > 0 ? "; SE" : "") + "; 1x1, "
                    + out + "] x" + st.depth();
            rows.add(new Complexity.Stage("block" + (i + 1), h, w, out, block, params, macs));
        }
        if (includeTop) {
            rows.add(new Complexity.Stage(
                    "fc",
                    1,
                    1,
                    numClasses,
                    "global average pool, " + numClasses + "-d fc",
                    (long) in * numClasses + numClasses,
                    (long) in * numClasses));
        }
        return new Complexity(name, height, width, rows);
    }

    /** Output size of a 3x3 convolution of stride 2 and padding 1 (and of a 1x1 of stride 2). */
    private static long half(long size) {
        return (size - 1) / 2 + 1;
    }

    @Override
    public RegNet build(BuildOptions options) {
        return new RegNet(this, options);
    }

    @Override
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("type", type());
        ConfigBinder.toJson(this).entrySet().forEach(e -> o.add(e.getKey(), e.getValue()));
        return o;
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "RegNetConfig[name=%s, depth=%d, w0=%d, wa=%s, wm=%s, group_width=%d, bottleneck_ratio=%s,"
                        + " se_ratio=%s, stem_width=%d, num_classes=%d]",
                name,
                depth,
                w0,
                wa,
                wm,
                groupWidth,
                bottleneckRatio,
                seRatio,
                stemWidth,
                numClasses);
    }
}
