package org.cardinal.detector.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.cardinal.detector.data.RectangleScenes;

/**
 * Test fixture: a comparison small enough to train in seconds on a CPU. Two backbones with equal
 * stage channels (bottleneck, one block per stage, 8 base channels: a ResNet 1x64d and a ResNeXt
 * 4x16d, whose grouped convolutions have the same 8 channels in 4 groups), a Faster R-CNN on
 * 64-pixel images with few proposals, and a rectangles dataset of a few train and val images.
 */
final class TinyComparison {

    static final String RESNET = "{\"name\": \"tiny_resnet\", \"block\": \"bottleneck\", \"layers\": [1, 1, 1, 1], "
            + "\"cardinality\": 1, \"bottleneck_width\": 64, \"base_channels\": 8, \"num_classes\": 10}";
    static final String RESNEXT = "{\"name\": \"tiny_resnext\", \"block\": \"bottleneck\", \"layers\": [1, 1, 1, 1], "
            + "\"cardinality\": 4, \"bottleneck_width\": 16, \"base_channels\": 8, \"num_classes\": 10}";

    /**
     * A narrower backbone: basic blocks, so its stages have a quarter of the others' channels (8,
     * 16, 32, 64 against 32, 64, 128, 256), as ResNet-18 against ResNet-50.
     */
    static final String BASIC = "{\"name\": \"tiny_basic\", \"block\": \"basic\", \"layers\": [1, 1, 1, 1], "
            + "\"base_channels\": 8, \"num_classes\": 10}";

    private TinyComparison() {}

    /** {@link #write(Path, String, String, String...)} with the two backbones of equal stage channels. */
    static Path write(Path dir, String variant, String extra) throws IOException {
        return write(dir, variant, extra, RESNET, RESNEXT);
    }

    /**
     * Writes the dataset, a base run config and a comparison config into {@code dir}.
     *
     * @param variant "fpn" or "c4"
     * @param extra more top-level fields of the comparison config (e.g. "\"seeds\": 2,"), or ""
     * @param backbones the backbone objects compared, the reference first
     * @return the comparison config file
     */
    static Path write(Path dir, String variant, String extra, String... backbones) throws IOException {
        Path data = dir.resolve("data");
        if (!Files.exists(data)) {
            RectangleScenes.write(
                    data.resolve("train"),
                    data.resolve("train.json"),
                    RectangleScenes.twoClassScenes(4, 64),
                    Map.of(1, "red", 2, "blue"));
            RectangleScenes.write(
                    data.resolve("val"),
                    data.resolve("val.json"),
                    RectangleScenes.twoClassScenes(2, 64),
                    Map.of(1, "red", 2, "blue"));
        }
        String anchors = variant.equals("fpn") ? "[[16], [32], [64], [128], [256]]" : "[[16, 32, 64]]";
        Files.writeString(dir.resolve("base.json"), """
                { "name": "tiny",
                  "model": { "backbone": "resnet_tiny", "variant": "%s", "num_classes": 3, "min_size": 64,
                             "max_size": 64, "trainable_backbone_layers": 5, "fpn_channels": 16,
                             "representation_size": 32, "anchor_sizes": %s,
                             "rpn_pre_nms_top_n_train": 100, "rpn_post_nms_top_n_train": 50,
                             "rpn_pre_nms_top_n_test": 50, "rpn_post_nms_top_n_test": 20,
                             "rpn_batch_size_per_image": 64, "box_batch_size_per_image": 16 },
                  "solver": { "ims_per_batch": 2, "base_lr": 0.01, "max_iter": 8, "warmup_iters": 2, "steps": [6],
                              "checkpoint_period": 8, "eval_period": 0, "log_period": 1, "seed": 7,
                              "device": "cpu" },
                  "data": { "root": "%s", "train_images": "train", "train_annotations": "train.json",
                            "val_images": "val", "val_annotations": "val.json", "num_workers": 1,
                            "prefetch_batches": 1 } }
                """.formatted(
                        variant, anchors, data.toString().replace("\\", "/")));
        Path file = dir.resolve("compare_" + variant + ".json");
        Files.writeString(
                file,
                "{ \"title\": \"tiny\", \"base\": \"base.json\", " + extra + " \"backbones\": ["
                        + String.join(", ", backbones) + "] }");
        return file;
    }
}
