package org.cardinal.backbone;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

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
 * 1000, "base_channels": 64}}; only {@code block} and {@code layers} are required.
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
        String name,
        String block,
        int[] layers,
        int cardinality,
        int bottleneckWidth,
        int numClasses,
        int baseChannels) {

    /** Block type of ResNet-18/34: two 3x3 convs, expansion 1. */
    public static final String BASIC = "basic";
    /** Block type of ResNet-50+ and ResNeXt: 1x1, grouped 3x3, 1x1, expansion 4. */
    public static final String BOTTLENECK = "bottleneck";

    /** Configurations shipped in {@code configs/backbones/} (class-path resources). */
    public static final List<String> KNOWN =
            List.of(
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
                    "resnext_tiny");

    private static final String RESOURCE_DIR = "/org/cardinal/backbone/configs/";
    private static final Set<String> FIELDS =
            Set.of(
                    "name",
                    "block",
                    "layers",
                    "cardinality",
                    "bottleneck_width",
                    "num_classes",
                    "base_channels");

    /** Validates the fields; the message names the architecture, the field and what is expected. */
    public BackboneConfig {
        layers = layers == null ? null : layers.clone();
        String where = "backbone config '" + name + "'";
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("backbone config: field 'name' must be a non-empty string");
        }
        if (!BASIC.equals(block) && !BOTTLENECK.equals(block)) {
            throw new IllegalArgumentException(
                    where + ": field 'block' must be \"basic\" or \"bottleneck\", got " + block);
        }
        if (layers == null || layers.length != 4) {
            throw new IllegalArgumentException(
                    where
                            + ": field 'layers' must list the block counts of the 4 stages, got "
                            + Arrays.toString(layers));
        }
        for (int n : layers) {
            if (n < 1) {
                throw new IllegalArgumentException(
                        where + ": field 'layers' entries must be >= 1, got " + Arrays.toString(layers));
            }
        }
        if (cardinality < 1) {
            throw new IllegalArgumentException(where + ": field 'cardinality' must be >= 1, got " + cardinality);
        }
        if (bottleneckWidth < 1) {
            throw new IllegalArgumentException(
                    where + ": field 'bottleneck_width' must be >= 1, got " + bottleneckWidth);
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException(where + ": field 'num_classes' must be >= 1, got " + numClasses);
        }
        if (baseChannels < 1) {
            throw new IllegalArgumentException(
                    where + ": field 'base_channels' must be >= 1, got " + baseChannels);
        }
        if (BASIC.equals(block) && (cardinality != 1 || bottleneckWidth != 64)) {
            // torchvision's BasicBlock raises the same: grouping is a property of the bottleneck.
            throw new IllegalArgumentException(
                    where + ": the basic block supports only cardinality 1 and bottleneck_width 64");
        }
        if (BOTTLENECK.equals(block) && (long) baseChannels * bottleneckWidth / 64 < 1) {
            throw new IllegalArgumentException(
                    where
                            + ": base_channels * bottleneck_width / 64 must be >= 1 (grouped conv width"
                            + " would be 0), got base_channels "
                            + baseChannels
                            + ", bottleneck_width "
                            + bottleneckWidth);
        }
    }

    /** The six-field form of the team contract: a standard 64-channel stem. */
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
    public BackboneConfig withNumClasses(int classes) {
        return new BackboneConfig(name, block, layers, cardinality, bottleneckWidth, classes, baseChannels);
    }

    /** Serializes to the JSON form read by {@link #load(Path)}. */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        o.addProperty("block", block);
        JsonArray a = new JsonArray();
        for (int n : layers) {
            a.add(n);
        }
        o.add("layers", a);
        o.addProperty("cardinality", cardinality);
        o.addProperty("bottleneck_width", bottleneckWidth);
        o.addProperty("num_classes", numClasses);
        o.addProperty("base_channels", baseChannels);
        return new GsonBuilder().setPrettyPrinting().create().toJson(o);
    }

    /**
     * Loads a shipped configuration by name ({@code resnet50}, {@code resnext50_32x4d}, ...).
     *
     * @throws IllegalArgumentException for an unknown name; the message lists the known ones
     */
    public static BackboneConfig named(String name) {
        String resource = RESOURCE_DIR + name + ".json";
        try (InputStream in =
                name == null || name.contains("/") ? null : BackboneConfig.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException(
                        "unknown backbone architecture '" + name + "'; known: " + String.join(", ", KNOWN));
            }
            return parse(new InputStreamReader(in, StandardCharsets.UTF_8), "classpath:" + resource, name);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read class-path resource " + resource, e);
        }
    }

    /**
     * Loads a configuration from a JSON file.
     *
     * @throws IllegalArgumentException when the file is missing or malformed; the message names the
     *     file and the field
     */
    public static BackboneConfig load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("backbone config file not found: " + file);
        }
        String fallback = file.getFileName().toString().replaceFirst("\\.json$", "");
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(r, file.toString(), fallback);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read backbone config " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the JSON form; {@code source} names the file in error messages. */
    public static BackboneConfig parse(Reader reader, String source, String defaultName) {
        JsonObject o = JsonObjects.parse(reader, source);
        for (String key : o.keySet()) {
            if (!FIELDS.contains(key)) {
                throw new IllegalArgumentException(
                        source + ": unknown field '" + key + "'; expected one of " + FIELDS);
            }
        }
        String name = o.has("name") ? string(o, "name", source) : defaultName;
        if (!o.has("block")) {
            throw new IllegalArgumentException(source + ": missing field 'block' (\"basic\" or \"bottleneck\")");
        }
        if (!o.has("layers") || !o.get("layers").isJsonArray()) {
            throw new IllegalArgumentException(
                    source + ": field 'layers' must be an array of 4 block counts, e.g. [3, 4, 6, 3]");
        }
        JsonArray a = o.getAsJsonArray("layers");
        int[] layers = new int[a.size()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = integer(a.get(i), "layers[" + i + "]", source);
        }
        try {
            return new BackboneConfig(
                    name,
                    string(o, "block", source),
                    layers,
                    optInt(o, "cardinality", 1, source),
                    optInt(o, "bottleneck_width", 64, source),
                    optInt(o, "num_classes", 1000, source),
                    optInt(o, "base_channels", 64, source));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private static String string(JsonObject o, String field, String source) {
        JsonElement e = o.get(field);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException(source + ": field '" + field + "' must be a string");
        }
        return e.getAsString();
    }

    private static int optInt(JsonObject o, String field, int fallback, String source) {
        return o.has(field) ? integer(o.get(field), field, source) : fallback;
    }

    private static int integer(JsonElement e, String field, String source) {
        if (e != null && e.isJsonPrimitive()) {
            JsonPrimitive p = e.getAsJsonPrimitive();
            if (p.isNumber()) {
                double v = p.getAsDouble();
                if (v == Math.rint(v) && Math.abs(v) <= Integer.MAX_VALUE) {
                    return (int) v;
                }
            }
        }
        throw new IllegalArgumentException(source + ": field '" + field + "' must be an integer, got " + e);
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
