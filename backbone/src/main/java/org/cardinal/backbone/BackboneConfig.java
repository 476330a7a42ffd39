package org.cardinal.backbone;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.backbone.spi.Backbones;
import org.cardinal.backbone.spi.BuildOptions;
import org.cardinal.backbone.spi.FeatureShape;
import org.cardinal.core.config.ConfigBinder;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.InvalidFieldException;
import org.cardinal.core.config.JsonFiles;

/**
 * Architecture of a ResNet or ResNeXt backbone, as in torchvision's {@code ResNet(block, layers,
 * groups, width_per_group, num_classes)}.
 *
 * <p>ResNeXt is not a separate architecture: it is a bottleneck with {@code cardinality} C groups of
 * {@code bottleneckWidth} d channels in the first stage ("32x4d" is C=32, d=4; ResNet is C=1, d=64).
 * The grouped 3x3 conv of a stage with {@code planes} output planes has {@code floor(planes * d /
 * 64) * C} channels, exactly as torchvision computes it.
 *
 * <p>JSON form ({@code configs/backbones/<name>.json}): {@code {"name": "resnext50_32x4d", "block":
 * "bottleneck", "layers": [3, 4, 6, 3], "cardinality": 32, "bottleneck_width": 4, "num_classes":
 * 1000, "base_channels": 64}}; only {@code block} and {@code layers} are required. It is the
 * section of the backbone type {@code resnet} ({@link ResNetProvider}), the type of a backbone
 * object without a {@code type} field.
 *
 * @param name architecture name (e.g. {@code resnet50})
 * @param block {@code "basic"} (ResNet-18/34) or {@code "bottleneck"} (ResNet-50 and deeper, ResNeXt)
 * @param layers number of residual blocks in each of the four stages conv2..conv5
 * @param cardinality number of groups C of the 3x3 conv in a bottleneck (1 for ResNet)
 * @param bottleneckWidth channels per group d in the first stage (64 for ResNet)
 * @param numClasses outputs of the classification layer {@code fc}
 * @param baseChannels stem output channels and planes of the first stage (64 in the paper); each
 *     later stage doubles it. Smaller values give tiny models for tests.
 */
public record BackboneConfig(
        String name, String block, int[] layers, int cardinality, int bottleneckWidth, int numClasses, int baseChannels)
        implements BackboneSpec {

    /** Block type of ResNet-18/34: two 3x3 convs, expansion 1. */
    public static final String BASIC = "basic";
    /** Block type of ResNet-50+ and ResNeXt: 1x1, grouped 3x3, 1x1, expansion 4. */
    public static final String BOTTLENECK = "bottleneck";

    /** Configurations shipped in {@code configs/backbones/} (class-path resources). */
    public static final List<String> KNOWN = List.of(
            "resnet18",
            "resnet34",
            "resnet50",
            "resnet101",
            "resnet152",
            "resnext50_32x4d",
            "resnext101_32x4d",
            "resnext101_32x8d",
            "resnext101_64x4d",
            "resnet_tiny",
            "resnext_tiny",
            "resnet_mini",
            "resnext_mini_4x16d",
            "resnext_mini_16x8d");

    /** Names that were ambiguous, with what a config names instead. */
    static final Map<String, String> RENAMED = Map.of(
            "resnext_mini",
            "\"resnext_mini_4x16d\" (the 4x16d network once called resnext_mini) or \"resnext_mini_16x8d\" (the "
                    + "demo's)");

    private static final String RESOURCE_DIR = "/org/cardinal/backbone/configs/";

    /** Validates the fields; the message names the field and what is expected. */
    public BackboneConfig {
        layers = layers == null ? null : layers.clone();
        require(name != null && !name.isBlank(), "name", "a non-empty string", name);
        require(BASIC.equals(block) || BOTTLENECK.equals(block), "block", "\"basic\" or \"bottleneck\"", block);
        require(
                layers != null && layers.length == 4 && Arrays.stream(layers).allMatch(n -> n >= 1),
                "layers",
                "the block counts (>= 1) of the 4 stages, e.g. [3, 4, 6, 3]",
                Arrays.toString(layers));
        require(cardinality >= 1, "cardinality", "an integer >= 1", cardinality);
        require(bottleneckWidth >= 1, "bottleneck_width", "an integer >= 1", bottleneckWidth);
        require(numClasses >= 1, "num_classes", "an integer >= 1", numClasses);
        require(baseChannels >= 1, "base_channels", "an integer >= 1", baseChannels);
        // torchvision's BasicBlock raises the same: grouping is a property of the bottleneck.
        require(!BASIC.equals(block) || cardinality == 1, "cardinality", "1 with the basic block", cardinality);
        require(
                !BASIC.equals(block) || bottleneckWidth == 64,
                "bottleneck_width",
                "64 with the basic block",
                bottleneckWidth);
        require(
                !BOTTLENECK.equals(block) || (long) baseChannels * bottleneckWidth / 64 >= 1,
                "bottleneck_width",
                "base_channels * bottleneck_width / 64 >= 1 (the grouped conv would have no channels)",
                bottleneckWidth);
    }

    /** An architecture with the standard 64-channel stem (base_channels 64). */
    public BackboneConfig(
            String name, String block, int[] layers, int cardinality, int bottleneckWidth, int numClasses) {
        this(name, block, layers, cardinality, bottleneckWidth, numClasses, 64);
    }

    /** Number of residual blocks per stage (a copy). */
    @Override
    public int[] layers() {
        return layers.clone();
    }

    /** True for the bottleneck block (ResNet-50+ and ResNeXt). */
    public boolean isBottleneck() {
        return BOTTLENECK.equals(block);
    }

    /** Output channels of a block relative to its planes: 4 for the bottleneck, 1 for the basic block. */
    public int expansion() {
        return isBottleneck() ? 4 : 1;
    }

    /** Planes of stage {@code i} (1..4): baseChannels * 2^(i-1), i.e. 64, 128, 256, 512. */
    public int planes(int stage) {
        checkStage(stage);
        return baseChannels << (stage - 1);
    }

    /**
     * Channels of the (grouped) 3x3 conv of a bottleneck in stage {@code i} (1..4): {@code
     * floor(planes * d / 64) * C}, e.g. 128, 256, 512, 1024 for 32x4d; the planes for a basic block.
     */
    public int groupWidth(int stage) {
        int planes = planes(stage);
        if (!isBottleneck()) {
            return planes;
        }
        return (int) ((long) planes * bottleneckWidth / 64) * cardinality;
    }

    /** Output channels of C2..C5: {256, 512, 1024, 2048} for bottleneck, {64, 128, 256, 512} for basic. */
    public int[] stageChannels() {
        int[] c = new int[4];
        for (int i = 0; i < 4; i++) {
            c[i] = planes(i + 1) * expansion();
        }
        return c;
    }

    /** Channels of the last stage, the input of {@code fc}. */
    public int outChannels() {
        return stageChannels()[3];
    }

    /** The same architecture with another number of classes (e.g. for pretraining on a small set). */
    @Override
    public BackboneConfig withNumClasses(int classes) {
        return new BackboneConfig(name, block, layers, cardinality, bottleneckWidth, classes, baseChannels);
    }

    @Override
    public String type() {
        return ResNetProvider.TYPE;
    }

    /** @return the block, the blocks per stage and, for a bottleneck, CxDd: {@code bottleneck [3, 4, 6, 3], 32x4d} */
    @Override
    public String summary() {
        return block + " " + Arrays.toString(layers)
                + (isBottleneck() ? ", " + cardinality + "x" + bottleneckWidth + "d" : "");
    }

    /** @return C2..C5: {@link #stageChannels()} channels at strides 4, 8, 16, 32 */
    @Override
    public List<FeatureShape> featureShapes() {
        int[] c = stageChannels();
        return List.of(
                new FeatureShape(ResNet.STAGE_NAMES.get(0), c[0], 4),
                new FeatureShape(ResNet.STAGE_NAMES.get(1), c[1], 8),
                new FeatureShape(ResNet.STAGE_NAMES.get(2), c[2], 16),
                new FeatureShape(ResNet.STAGE_NAMES.get(3), c[3], 32));
    }

    @Override
    public Complexity complexity(long height, long width, boolean includeTop) {
        return Complexity.of(this, height, width, includeTop);
    }

    /** @return a {@link ResNet}; frozen stages 0..5 (the stem counts as one) */
    @Override
    public ResNet build(BuildOptions options) {
        return ResNet.builder(this)
                .optNorm(options.norm())
                .optFrozenStages(options.frozenStages())
                .optIncludeTop(options.includeTop())
                .build();
    }

    /** @return the JSON form read by {@link #fromJson} (every field written, type first) */
    @Override
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("type", type());
        ConfigBinder.toJson(this).entrySet().forEach(e -> o.add(e.getKey(), e.getValue()));
        return o;
    }

    /**
     * Loads a shipped configuration by name ({@code resnet50}, {@code resnext50_32x4d}, ...).
     *
     * @param name the architecture's name
     * @return its config
     * @throws IllegalArgumentException for an unknown name; the message lists the known ones
     */
    public static BackboneConfig named(String name) {
        String resource = RESOURCE_DIR + name + ".json";
        try (InputStream in =
                name == null || name.contains("/") ? null : BackboneConfig.class.getResourceAsStream(resource)) {
            if (in == null && name != null && RENAMED.containsKey(name)) {
                throw new IllegalArgumentException(
                        "unknown backbone architecture '" + name + "': use " + RENAMED.get(name));
            }
            if (in == null) {
                throw new IllegalArgumentException(
                        "unknown backbone architecture '" + name + "'; known: " + String.join(", ", KNOWN));
            }
            JsonObject o =
                    JsonFiles.parseObject(new InputStreamReader(in, StandardCharsets.UTF_8), "classpath:" + resource);
            return bind(o, name, ConfigPath.root("classpath:" + resource));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read class-path resource " + resource, e);
        }
    }

    /**
     * Loads a configuration from a JSON file; its name defaults to the file's.
     *
     * @param file the JSON file
     * @return its config
     * @throws org.cardinal.core.config.ConfigException naming the file and the field
     */
    public static BackboneConfig load(Path file) {
        String fallback = file.getFileName().toString().replaceFirst("\\.json$", "");
        return bind(JsonFiles.readObject(file), fallback, ConfigPath.root(file.toString()));
    }

    /**
     * Reads a backbone that must be of type {@code resnet}, as a config field gives it (see {@link
     * Backbones#fromJson}).
     *
     * @param json a name, a file or an object
     * @param at where it sits, for error messages
     * @return the config
     * @throws org.cardinal.core.config.ConfigException naming the file and the field
     */
    public static BackboneConfig fromJson(JsonElement json, ConfigPath at) {
        BackboneSpec spec = Backbones.fromJson(json, at);
        if (spec instanceof BackboneConfig c) {
            return c;
        }
        throw at.invalid("a backbone of type resnet", spec.type() + " backbone '" + spec.name() + "'");
    }

    static BackboneConfig bind(JsonObject section, String defaultName, ConfigPath at) {
        JsonObject o = section;
        if (o.has("type")
                && o.get("type").isJsonPrimitive()
                && ResNetProvider.TYPE.equals(o.get("type").getAsString())) {
            o = o.deepCopy();
            o.remove("type"); // the form toJson writes
        }
        JsonObject defaults = new JsonObject();
        defaults.addProperty("name", defaultName);
        defaults.addProperty("cardinality", 1);
        defaults.addProperty("bottleneck_width", 64);
        defaults.addProperty("num_classes", 1000);
        defaults.addProperty("base_channels", 64);
        return ConfigBinder.bind(o, BackboneConfig.class, defaults, at);
    }

    private static void require(boolean ok, String field, String expected, Object found) {
        InvalidFieldException.require(ok, field, expected, found);
    }

    private static void checkStage(int stage) {
        if (stage < 1 || stage > 4) {
            throw new IllegalArgumentException("stage must be 1..4, got " + stage);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BackboneConfig c
                && name.equals(c.name)
                && block.equals(c.block)
                && Arrays.equals(layers, c.layers)
                && cardinality == c.cardinality
                && bottleneckWidth == c.bottleneckWidth
                && numClasses == c.numClasses
                && baseChannels == c.baseChannels;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(
                name, block, Arrays.hashCode(layers), cardinality, bottleneckWidth, numClasses, baseChannels);
    }

    @Override
    public String toString() {
        return "BackboneConfig[name="
                + name
                + ", block="
                + block
                + ", layers="
                + Arrays.toString(layers)
                + ", cardinality="
                + cardinality
                + ", bottleneckWidth="
                + bottleneckWidth
                + ", numClasses="
                + numClasses
                + ", baseChannels="
                + baseChannels
                + "]";
    }
}
