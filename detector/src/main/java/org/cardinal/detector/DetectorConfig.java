package org.cardinal.detector;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonDeserializer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonSerializer;
import java.io.IOException;
import java.io.StringReader;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.cardinal.backbone.BackboneConfig;
import org.cardinal.backbone.JsonObjects;

/**
 * The model part of a detector run: architecture and the hyper-parameters that torchvision's
 * {@code FasterRCNN} takes as keyword arguments. Immutable; every default lives in {@link
 * #defaults(String)} and equals torchvision's {@code fasterrcnn_resnet50_fpn} (for the "c4"
 * variant, detectron2's R50-C4 architecture with the same torchvision sampling and thresholds).
 *
 * <p>JSON field names are the snake_case form of the components (as torchvision's keyword
 * arguments: {@code min_size}, {@code rpn_nms_thresh}, ...). {@code backbone} is either the name
 * of a file in {@code configs/backbones/} ("resnet50", "resnext50_32x4d", ...) or an inline
 * backbone config object. {@code num_classes} counts the background class, as in torchvision.
 *
 * @param backbone the ResNet/ResNeXt body
 * @param variant "fpn" (FPN over C2..C5 + max-pool level) or "c4" (RPN and RoIAlign on C4, res5
 *     as the box head)
 * @param numClasses number of classes including background (torchvision: 91 for COCO)
 * @param minSize short side after resize
 * @param maxSize cap of the long side after resize
 * @param imageMean RGB mean subtracted from images in [0, 1]
 * @param imageStd RGB std images are divided by
 * @param sizeDivisible the padded batch is a multiple of this
 * @param trainableBackboneLayers 0..5 stages that get gradients, counted from the top
 * @param fpnChannels FPN output channels
 * @param anchorSizes anchor sizes per feature level (fpn: one level each; c4: one level)
 * @param aspectRatios anchor aspect ratios (h / w), the same for every level
 * @param rpnPreNmsTopNTrain per-level proposals kept before NMS in training
 * @param rpnPreNmsTopNTest per-level proposals kept before NMS in inference
 * @param rpnPostNmsTopNTrain proposals kept per image after NMS in training
 * @param rpnPostNmsTopNTest proposals kept per image after NMS in inference
 * @param rpnNmsThresh RPN NMS IoU threshold
 * @param rpnFgIouThresh anchor IoU at or above which it is positive
 * @param rpnBgIouThresh anchor IoU below which it is negative
 * @param rpnBatchSizePerImage anchors sampled per image for the RPN loss
 * @param rpnPositiveFraction at most this fraction of them positive
 * @param rpnScoreThresh proposals with objectness probability below are dropped
 * @param roiOutputSize RoIAlign output side (fpn 7, c4 14)
 * @param samplingRatio RoIAlign sampling points per bin side
 * @param representationSize width of the two FC layers of the FPN box head
 * @param boxScoreThresh detections with a lower class probability are dropped
 * @param boxNmsThresh per-class NMS IoU threshold
 * @param boxDetectionsPerImg detections kept per image
 * @param boxFgIouThresh proposal IoU at or above which it is foreground
 * @param boxBgIouThresh proposal IoU below which it is background
 * @param boxBatchSizePerImage RoIs sampled per image for the box head loss
 * @param boxPositiveFraction at most this fraction of them foreground
 * @param bboxRegWeights box coder weights (wx, wy, ww, wh) of the box head
 */
public record DetectorConfig(
        BackboneConfig backbone,
        String variant,
        int numClasses,
        int minSize,
        int maxSize,
        double[] imageMean,
        double[] imageStd,
        int sizeDivisible,
        int trainableBackboneLayers,
        int fpnChannels,
        int[][] anchorSizes,
        double[] aspectRatios,
        int rpnPreNmsTopNTrain,
        int rpnPreNmsTopNTest,
        int rpnPostNmsTopNTrain,
        int rpnPostNmsTopNTest,
        double rpnNmsThresh,
        double rpnFgIouThresh,
        double rpnBgIouThresh,
        int rpnBatchSizePerImage,
        double rpnPositiveFraction,
        double rpnScoreThresh,
        int roiOutputSize,
        int samplingRatio,
        int representationSize,
        double boxScoreThresh,
        double boxNmsThresh,
        int boxDetectionsPerImg,
        double boxFgIouThresh,
        double boxBgIouThresh,
        int boxBatchSizePerImage,
        double boxPositiveFraction,
        double[] bboxRegWeights) {

    /** Architecture with a feature pyramid (torchvision's fasterrcnn_resnet50_fpn). */
    public static final String FPN = "fpn";

    /** The paper's architecture: RPN and RoI pooling on C4, res5 as the box head. */
    public static final String C4 = "c4";

    private static final Gson GSON =
            new GsonBuilder()
                    .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
                    // The backbone keeps its own JSON form (configs/backbones/*.json).
                    .registerTypeAdapter(
                            BackboneConfig.class,
                            (JsonSerializer<BackboneConfig>)
                                    (b, t, c) -> JsonParser.parseString(b.toJson()))
                    .registerTypeAdapter(
                            BackboneConfig.class,
                            (JsonDeserializer<BackboneConfig>)
                                    (j, t, c) ->
                                            BackboneConfig.parse(
                                                    new StringReader(j.toString()),
                                                    "backbone",
                                                    "custom"))
                    .serializeSpecialFloatingPointValues()
                    .setPrettyPrinting()
                    .create();

    /** Validates the ranges that would otherwise fail deep inside a forward pass. */
    public DetectorConfig {
        require(backbone != null, "backbone", "a backbone name or object");
        require(FPN.equals(variant) || C4.equals(variant), "variant", "\"fpn\" or \"c4\"");
        require(numClasses >= 2, "num_classes", "at least 2 (background + one class)");
        require(minSize > 0 && maxSize >= minSize, "min_size/max_size", "0 < min_size <= max_size");
        require(imageMean != null && imageMean.length == 3, "image_mean", "3 numbers");
        require(imageStd != null && imageStd.length == 3, "image_std", "3 numbers");
        require(sizeDivisible > 0, "size_divisible", "a positive integer");
        require(trainableBackboneLayers >= 0 && trainableBackboneLayers <= 5,
                "trainable_backbone_layers", "0..5");
        require(anchorSizes != null && anchorSizes.length == (FPN.equals(variant) ? 5 : 1),
                "anchor_sizes", FPN.equals(variant) ? "5 levels (P2..P6)" : "1 level (C4)");
        require(aspectRatios != null && aspectRatios.length > 0, "aspect_ratios", "non-empty");
        require(bboxRegWeights != null && bboxRegWeights.length == 4, "bbox_reg_weights", "4 numbers");
        require(roiOutputSize > 0, "roi_output_size", "a positive integer");
        require(rpnBatchSizePerImage > 0 && boxBatchSizePerImage > 0, "*_batch_size_per_image",
                "positive");
    }

    /**
     * torchvision's defaults for the given variant.
     *
     * @param variant "fpn" or "c4"
     * @return the default config with a resnet50 backbone and 91 classes (COCO)
     */
    public static DetectorConfig defaults(String variant) {
        boolean fpn = FPN.equals(variant);
        return new DetectorConfig(
                BackboneConfig.named("resnet50"),
                variant,
                91,
                800,
                1333,
                new double[] {0.485, 0.456, 0.406},
                new double[] {0.229, 0.224, 0.225},
                32,
                3,
                256,
                fpn
                        ? new int[][] {{32}, {64}, {128}, {256}, {512}}
                        : new int[][] {{32, 64, 128, 256, 512}},
                new double[] {0.5, 1.0, 2.0},
                2000,
                1000,
                2000,
                1000,
                0.7,
                0.7,
                0.3,
                256,
                0.5,
                0.0,
                fpn ? 7 : 14,
                2,
                1024,
                0.05,
                0.5,
                100,
                0.5,
                0.5,
                512,
                0.25,
                new double[] {10.0, 10.0, 5.0, 5.0});
    }

    /** @return the defaults of torchvision's fasterrcnn_resnet50_fpn */
    public static DetectorConfig defaults() {
        return defaults(FPN);
    }

    /**
     * Reads a model config from a JSON object; fields left out take the defaults of the object's
     * {@code variant} (default "fpn").
     *
     * @param json the model object
     * @param source where it came from (a file name), used in error messages
     * @return the resolved config
     * @throws IllegalArgumentException naming the source and the field on an unknown field, a
     *     value of the wrong type or out of range, or an unknown backbone
     */
    public static DetectorConfig fromJson(JsonObject json, String source) {
        String variant = FPN;
        if (json.has("variant")) {
            JsonElement v = json.get("variant");
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw new IllegalArgumentException(
                        source + ": field 'variant': expected \"fpn\" or \"c4\", found " + v);
            }
            variant = v.getAsString().toLowerCase(Locale.ROOT);
        }
        if (!FPN.equals(variant) && !C4.equals(variant)) {
            throw new IllegalArgumentException(
                    source + ": field 'variant': expected \"fpn\" or \"c4\", found \"" + variant + "\"");
        }
        JsonObject merged = defaults(variant).toJson();
        Map<String, Class<?>> types = componentTypes();
        for (Map.Entry<String, JsonElement> e : json.entrySet()) {
            String key = e.getKey();
            if (!types.containsKey(key)) {
                throw new IllegalArgumentException(
                        source + ": unknown field '" + key + "' in the model config; known fields: "
                                + new TreeSet<>(types.keySet()));
            }
            JsonElement value = e.getValue();
            if ("backbone".equals(key)) {
                merged.add(key, GSON.toJsonTree(parseBackbone(value, source)));
                continue;
            }
            if ("variant".equals(key)) {
                merged.addProperty(key, variant);
                continue;
            }
            try {
                GSON.fromJson(value, types.get(key));
            } catch (JsonParseException | NumberFormatException | IllegalStateException ex) {
                throw new IllegalArgumentException(
                        source + ": field '" + key + "': expected " + describe(types.get(key))
                                + ", found " + value, ex);
            }
            merged.add(key, value);
        }
        try {
            return GSON.fromJson(merged, DetectorConfig.class);
        } catch (RuntimeException ex) {
            // gson wraps the constructor's validation error; report that one.
            Throwable cause = ex;
            while (!(cause instanceof IllegalArgumentException) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new IllegalArgumentException(source + ": " + cause.getMessage(), ex);
        }
    }

    /**
     * Reads a JSON file holding a model config object.
     *
     * @param file the JSON file
     * @return the resolved config
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming the file and the field on malformed content
     */
    public static DetectorConfig load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": model config file not found");
        }
        return fromJson(JsonObjects.read(file), file.toString());
    }

    /** @return the resolved config as JSON (snake_case fields, backbone as a full object) */
    public JsonObject toJson() {
        return GSON.toJsonTree(this).getAsJsonObject();
    }

    /**
     * @param n number of classes including background
     * @return a copy with {@code numClasses = n}
     */
    public DetectorConfig withNumClasses(int n) {
        JsonObject j = toJson();
        j.addProperty("num_classes", n);
        return GSON.fromJson(j, DetectorConfig.class);
    }

    /**
     * @param name a backbone config name ({@code configs/backbones/<name>.json})
     * @return a copy with that backbone
     */
    public DetectorConfig withBackbone(String name) {
        JsonObject j = toJson();
        j.add("backbone", GSON.toJsonTree(BackboneConfig.named(name)));
        return GSON.fromJson(j, DetectorConfig.class);
    }

    /** @return whether this is the FPN variant */
    public boolean isFpn() {
        return FPN.equals(variant);
    }

    /** @return anchors per feature-map location (sizes of one level times aspect ratios) */
    public int anchorsPerLocation() {
        return anchorSizes[0].length * aspectRatios.length;
    }

    @Override
    public String toString() {
        return GSON.toJson(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DetectorConfig other && toJson().equals(other.toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    private static BackboneConfig parseBackbone(JsonElement value, String source) {
        try {
            if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
                return BackboneConfig.named(value.getAsString());
            }
            if (value.isJsonObject()) {
                return BackboneConfig.parse(
                        new StringReader(value.toString()), source + " (backbone)", "custom");
            }
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException(
                    source + ": field 'backbone': " + ex.getMessage(), ex);
        }
        throw new IllegalArgumentException(
                source + ": field 'backbone': expected a backbone name or object, found " + value);
    }

    private static Map<String, Class<?>> componentTypes() {
        Map<String, Class<?>> types = new java.util.LinkedHashMap<>();
        for (RecordComponent c : DetectorConfig.class.getRecordComponents()) {
            try {
                String json =
                        FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES.translateName(
                                DetectorConfig.class.getDeclaredField(c.getName()));
                types.put(json, c.getType());
            } catch (NoSuchFieldException e) {
                throw new IllegalStateException(e);
            }
        }
        return types;
    }

    private static String describe(Class<?> type) {
        if (type == int.class) {
            return "an integer";
        }
        if (type == double.class) {
            return "a number";
        }
        if (type.isArray()) {
            return "an array";
        }
        return "a " + type.getSimpleName();
    }

    private static void require(boolean ok, String field, String expected) {
        if (!ok) {
            throw new IllegalArgumentException("field '" + field + "': expected " + expected);
        }
    }
}
