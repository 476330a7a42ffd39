package org.cardinal.detector;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Locale;
import org.cardinal.backbone.Norm;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.core.config.ConfigBinder;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.InvalidFieldException;
import org.cardinal.core.config.JsonFiles;

/**
 * The model part of a detector run: architecture and the hyper-parameters that torchvision's
 * {@code FasterRCNN} takes as keyword arguments. Immutable; every default lives in one place,
 * {@link #DEFAULTS} (torchvision's {@code fasterrcnn_resnet50_fpn}) with the two fields the "c4"
 * variant changes in {@link #C4_DEFAULTS} (detectron2's R50-C4 architecture with torchvision's
 * sampling and thresholds). {@link FasterRcnnFactory} turns a config into the model's parts.
 *
 * <p>JSON field names are the snake_case form of the components (as torchvision's keyword
 * arguments: {@code min_size}, {@code rpn_nms_thresh}, ...). {@code backbone} is either the name
 * of a file in {@code configs/backbones/} ("resnet50", "resnext50_32x4d", ...) or an inline
 * backbone config object. {@code num_classes} counts the background class, as in torchvision.
 *
 * @param backbone the backbone, of any registered type (see {@link org.cardinal.backbone.spi.Backbones#fromJson})
 * @param variant {@code fpn} (FPN over C2..C5 + max-pool level) or {@code c4} (RPN and RoIAlign
 *     on C4, res5 as the box head)
 * @param backboneNorm the backbone's normalization: {@code frozen} (torchvision's
 *     FrozenBatchNorm2d, for pretrained backbones) or {@code batch} (BatchNorm with batch
 *     statistics, for training from scratch)
 * @param numClasses number of classes including background (torchvision: 91 for COCO)
 * @param minSize short side after resize
 * @param maxSize cap of the long side after resize
 * @param imageMean RGB mean subtracted from images in [0, 1]
 * @param imageStd RGB std images are divided by
 * @param sizeDivisible the padded batch is a multiple of this
 * @param trainableBackboneLayers 0..5 stages that get gradients, counted from the top
 * @param fpnChannels FPN output channels
 * @param anchorSizes anchor sizes per feature map the RPN runs on (a ResNet: 5 levels with fpn, 1
 *     with c4; the factory checks the count against the backbone's maps)
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
        BackboneSpec backbone,
        Variant variant,
        Norm backboneNorm,
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

    /** The two architectures. */
    public enum Variant {
        /** A feature pyramid over C2..C5 (torchvision's fasterrcnn_resnet50_fpn). */
        FPN,
        /** The paper's: RPN and RoI pooling on C4, res5 as the box head (detectron2's R50-C4). */
        C4
    }

    /** torchvision's fasterrcnn_resnet50_fpn, field by field: the default of every field. */
    public static final String DEFAULTS = """
            {
              "backbone": "resnet50",
              "variant": "fpn",
              "backbone_norm": "frozen",
              "num_classes": 91,
              "min_size": 800,
              "max_size": 1333,
              "image_mean": [0.485, 0.456, 0.406],
              "image_std": [0.229, 0.224, 0.225],
              "size_divisible": 32,
              "trainable_backbone_layers": 3,
              "fpn_channels": 256,
              "anchor_sizes": [[32], [64], [128], [256], [512]],
              "aspect_ratios": [0.5, 1.0, 2.0],
              "rpn_pre_nms_top_n_train": 2000,
              "rpn_pre_nms_top_n_test": 1000,
              "rpn_post_nms_top_n_train": 2000,
              "rpn_post_nms_top_n_test": 1000,
              "rpn_nms_thresh": 0.7,
              "rpn_fg_iou_thresh": 0.7,
              "rpn_bg_iou_thresh": 0.3,
              "rpn_batch_size_per_image": 256,
              "rpn_positive_fraction": 0.5,
              "rpn_score_thresh": 0.0,
              "roi_output_size": 7,
              "sampling_ratio": 2,
              "representation_size": 1024,
              "box_score_thresh": 0.05,
              "box_nms_thresh": 0.5,
              "box_detections_per_img": 100,
              "box_fg_iou_thresh": 0.5,
              "box_bg_iou_thresh": 0.5,
              "box_batch_size_per_image": 512,
              "box_positive_fraction": 0.25,
              "bbox_reg_weights": [10.0, 10.0, 5.0, 5.0]
            }""";

    /** What the c4 variant changes: all anchor sizes on one level, 14x14 RoIs for res5. */
    public static final String C4_DEFAULTS = """
            {
              "variant": "c4",
              "anchor_sizes": [[32, 64, 128, 256, 512]],
              "roi_output_size": 14
            }""";

    /** Validates the ranges that would otherwise fail deep inside a forward pass. */
    public DetectorConfig {
        require(backbone != null, "backbone", "a backbone name or object", backbone);
        require(variant != null, "variant", "\"fpn\" or \"c4\"", variant);
        require(backboneNorm != null, "backbone_norm", "\"frozen\" or \"batch\"", backboneNorm);
        require(numClasses >= 2, "num_classes", "at least 2 (background + one class)", numClasses);
        require(minSize > 0, "min_size", "a positive integer", minSize);
        require(maxSize >= minSize, "max_size", "an integer >= min_size", maxSize);
        require(imageMean != null && imageMean.length == 3, "image_mean", "3 numbers", len(imageMean));
        require(imageStd != null && imageStd.length == 3, "image_std", "3 numbers", len(imageStd));
        require(sizeDivisible > 0, "size_divisible", "a positive integer", sizeDivisible);
        require(
                trainableBackboneLayers >= 0 && trainableBackboneLayers <= 5,
                "trainable_backbone_layers",
                "an integer in 0..5",
                trainableBackboneLayers);
        require(fpnChannels > 0, "fpn_channels", "a positive integer", fpnChannels);
        // How many levels the backbone's maps need is checked when the model is built
        // (FasterRcnnFactory.rpn): a ResNet gives 5 with the FPN (P2..P6), 1 with C4.
        require(
                anchorSizes != null
                        && anchorSizes.length > 0
                        && java.util.Arrays.stream(anchorSizes)
                                .allMatch(l -> l != null && l.length == anchorSizes[0].length && l.length > 0),
                "anchor_sizes",
                "one non-empty level of sizes per feature map, every level with as many sizes",
                len(anchorSizes));
        require(
                aspectRatios != null && aspectRatios.length > 0,
                "aspect_ratios",
                "a non-empty array",
                len(aspectRatios));
        require(
                bboxRegWeights != null && bboxRegWeights.length == 4,
                "bbox_reg_weights",
                "4 numbers",
                len(bboxRegWeights));
        require(roiOutputSize > 0, "roi_output_size", "a positive integer", roiOutputSize);
        require(samplingRatio >= 0, "sampling_ratio", "an integer >= 0 (0 = adaptive)", samplingRatio);
        require(representationSize > 0, "representation_size", "a positive integer", representationSize);
        require(rpnBatchSizePerImage > 0, "rpn_batch_size_per_image", "a positive integer", rpnBatchSizePerImage);
        require(boxBatchSizePerImage > 0, "box_batch_size_per_image", "a positive integer", boxBatchSizePerImage);
        require(
                rpnPositiveFraction >= 0 && rpnPositiveFraction <= 1,
                "rpn_positive_fraction",
                "a number in [0, 1]",
                rpnPositiveFraction);
        require(
                boxPositiveFraction >= 0 && boxPositiveFraction <= 1,
                "box_positive_fraction",
                "a number in [0, 1]",
                boxPositiveFraction);
        require(boxDetectionsPerImg > 0, "box_detections_per_img", "a positive integer", boxDetectionsPerImg);
    }

    /**
     * torchvision's defaults for a variant.
     *
     * @param variant the architecture
     * @return the default config: resnet50 backbone, 91 classes (COCO)
     */
    public static DetectorConfig defaults(Variant variant) {
        JsonObject j = new JsonObject();
        j.addProperty("variant", variant.name().toLowerCase(Locale.ROOT));
        return fromJson(j, ConfigPath.root("defaults"));
    }

    /** @return the defaults of torchvision's fasterrcnn_resnet50_fpn */
    public static DetectorConfig defaults() {
        return defaults(Variant.FPN);
    }

    /**
     * Reads a model config object; fields left out take the defaults of the object's {@code
     * variant} (default "fpn").
     *
     * @param json the model object
     * @param at where it sits, for error messages
     * @return the resolved config
     * @throws org.cardinal.core.config.ConfigException naming the file and the field on an unknown
     *     field, a value of the wrong type or out of range, or an unknown backbone
     */
    public static DetectorConfig fromJson(JsonElement json, ConfigPath at) {
        Variant variant = ConfigBinder.field(json, "variant", Variant.class, Variant.FPN, at);
        return ConfigBinder.bind(json, DetectorConfig.class, defaultsJson(variant), at);
    }

    /**
     * Reads a JSON file holding a model config object.
     *
     * @param file the JSON file
     * @return the resolved config
     * @throws org.cardinal.core.config.ConfigException naming the file and the field
     */
    public static DetectorConfig load(Path file) {
        return fromJson(JsonFiles.readObject(file), ConfigPath.root(file.toString()));
    }

    /** @return the resolved config as JSON (snake_case fields, the backbone as a full object) */
    public JsonObject toJson() {
        return ConfigBinder.toJson(this);
    }

    /**
     * @param n number of classes including background
     * @return a copy with {@code numClasses = n}
     */
    public DetectorConfig withNumClasses(int n) {
        JsonObject j = toJson();
        j.addProperty("num_classes", n);
        return fromJson(j, ConfigPath.root("withNumClasses"));
    }

    /**
     * @param b a backbone
     * @return a copy with that backbone
     */
    public DetectorConfig withBackbone(BackboneSpec b) {
        JsonObject j = toJson();
        j.add("backbone", b.toJson());
        return fromJson(j, ConfigPath.root("withBackbone"));
    }

    @Override
    public String toString() {
        return JsonFiles.pretty(toJson());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DetectorConfig other && toJson().equals(other.toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    private static JsonObject defaultsJson(Variant variant) {
        JsonObject d = JsonFiles.parseObject(DEFAULTS, "DetectorConfig.DEFAULTS");
        if (variant == Variant.C4) {
            JsonFiles.parseObject(C4_DEFAULTS, "DetectorConfig.C4_DEFAULTS")
                    .entrySet()
                    .forEach(e -> d.add(e.getKey(), e.getValue()));
        }
        return d;
    }

    private static Object len(Object array) {
        if (array == null) {
            return "nothing";
        }
        return java.lang.reflect.Array.getLength(array) + " values";
    }

    private static void require(boolean ok, String field, String expected, Object found) {
        InvalidFieldException.require(ok, field, expected, found);
    }
}
