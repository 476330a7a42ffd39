package org.cardinal.vgg;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.cardinal.backbone.Complexity;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.backbone.spi.BuildOptions;
import org.cardinal.backbone.spi.FeatureShape;
import org.cardinal.core.config.ConfigBinder;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.InvalidFieldException;

/**
 * A small VGG-style backbone (Simonyan and Zisserman 2015, with BatchNorm): a 3x3 stem
 * convolution and a 2x2 max pool, then four stages of {@code convs[i]} 3x3 convolutions of {@code widths[i]}
 * channels, each stage ending in a 2x2 max pool. Outputs S1..S4 at strides 4, 8, 16, 32.
 *
 * <p>Config section ({@code "backbone": {"type": "vgg", ...}}): {@code {"name": "vgg_mini",
 * "widths": [16, 32, 64, 128], "convs": [1, 1, 1, 1], "num_classes": 10}}; every field but
 * {@code widths} has that default.
 *
 * @param name the architecture's name
 * @param widths channels of the four stages (the stem has the first stage's)
 * @param convs 3x3 convolutions in each stage
 * @param numClasses outputs of the classification top
 */
public record VggConfig(String name, int[] widths, int[] convs, int numClasses) implements BackboneSpec {

    /** The output maps' names, in order. */
    public static final List<String> OUTPUTS = List.of("S1", "S2", "S3", "S4");

    /** Validates the fields; messages name the field. */
    public VggConfig {
        widths = widths == null ? null : widths.clone();
        convs = convs == null ? null : convs.clone();
        InvalidFieldException.require(name != null && !name.isBlank(), "name", "a non-empty string", name);
        InvalidFieldException.require(
                widths != null && widths.length == 4 && Arrays.stream(widths).allMatch(w -> w >= 1),
                "widths",
                "4 channel counts >= 1",
                Arrays.toString(widths));
        InvalidFieldException.require(
                convs != null && convs.length == 4 && Arrays.stream(convs).allMatch(c -> c >= 1),
                "convs",
                "4 convolution counts >= 1",
                Arrays.toString(convs));
        InvalidFieldException.require(numClasses >= 1, "num_classes", "an integer >= 1", numClasses);
    }

    /**
     * @param section the provider's config section (without {@code type})
     * @param defaultName the name when the section has none
     * @param at where it sits, for error messages
     * @return the config
     */
    static VggConfig fromSection(JsonObject section, String defaultName, ConfigPath at) {
        JsonObject defaults = new JsonObject();
        defaults.addProperty("name", defaultName);
        JsonArray one = new JsonArray();
        for (int i = 0; i < 4; i++) {
            one.add(1);
        }
        defaults.add("convs", one);
        defaults.addProperty("num_classes", 10);
        return ConfigBinder.bind(section, VggConfig.class, defaults, at);
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    @Override
    public int[] convs() {
        return convs.clone();
    }

    @Override
    public String type() {
        return VggProvider.TYPE;
    }

    @Override
    public String summary() {
        return "widths " + Arrays.toString(widths) + ", convs " + Arrays.toString(convs);
    }

    @Override
    public VggConfig withNumClasses(int classes) {
        return new VggConfig(name, widths, convs, classes);
    }

    @Override
    public List<FeatureShape> featureShapes() {
        List<FeatureShape> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            out.add(new FeatureShape(OUTPUTS.get(i), widths[i], 4 << i));
        }
        return out;
    }

    /** Convolutions without bias, each followed by a norm (weight and bias counted); no fc MACs but its own. */
    @Override
    public Complexity complexity(long height, long width, boolean includeTop) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("input size must be positive, got " + height + "x" + width);
        }
        List<Complexity.Stage> stages = new ArrayList<>();
        long h = height / 2;
        long w = width / 2;
        stages.add(new Complexity.Stage(
                "stem",
                h,
                w,
                widths[0],
                "3x3, " + widths[0] + ", max pool",
                conv(3, widths[0]),
                height * width * 9L * 3 * widths[0]));
        int in = widths[0];
        for (int i = 0; i < 4; i++) {
            long params = 0;
            long macs = 0;
            for (int k = 0; k < convs[i]; k++) {
                params += conv(in, widths[i]);
                macs += h * w * 9L * in * widths[i];
                in = widths[i];
            }
            h /= 2;
            w /= 2;
            stages.add(new Complexity.Stage(
                    "stage" + (i + 1),
                    h,
                    w,
                    widths[i],
                    "[3x3, " + widths[i] + "] x" + convs[i] + ", max pool",
                    params,
                    macs));
        }
        if (includeTop) {
            stages.add(new Complexity.Stage(
                    "fc",
                    1,
                    1,
                    numClasses,
                    "global average pool, " + numClasses + "-d fc",
                    (long) in * numClasses + numClasses,
                    (long) in * numClasses));
        }
        return new Complexity(name, height, width, stages);
    }

    private static long conv(int in, int out) {
        return 9L * in * out + 2L * out;
    }

    @Override
    public VggNet build(BuildOptions options) {
        return new VggNet(this, options);
    }

    @Override
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("type", type());
        ConfigBinder.toJson(this).entrySet().forEach(e -> o.add(e.getKey(), e.getValue()));
        return o;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof VggConfig c
                && name.equals(c.name)
                && Arrays.equals(widths, c.widths)
                && Arrays.equals(convs, c.convs)
                && numClasses == c.numClasses;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(widths), Arrays.hashCode(convs), numClasses);
    }

    @Override
    public String toString() {
        return "VggConfig[name=" + name + ", " + summary() + ", numClasses=" + numClasses + "]";
    }
}
