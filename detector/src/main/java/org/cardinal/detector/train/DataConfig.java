package org.cardinal.detector.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cardinal.core.config.ConfigBinder;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.InvalidFieldException;
import org.cardinal.core.config.JsonFiles;

/**
 * The data part of a run: where the COCO-format train and val splits are, and how they are read.
 *
 * <p>Paths are relative to {@code root} unless absolute; the CLI's {@code --data DIR} replaces
 * {@code root}. Defaults follow the COCO 2017 layout: {@code train2017/}, {@code val2017/},
 * {@code annotations/instances_{train,val}2017.json}.
 *
 * @param root folder the other paths are relative to
 * @param trainImages training image folder
 * @param trainAnnotations training instances JSON
 * @param valImages validation image folder
 * @param valAnnotations validation instances JSON
 * @param flipProb horizontal flip probability in training (0.5)
 * @param keepEmptyImages train on images without (non-crowd) boxes too (torchvision: true)
 * @param numWorkers image decoding threads
 * @param prefetchBatches batches decoded ahead of the trainer
 */
public record DataConfig(
        String root,
        String trainImages,
        String trainAnnotations,
        String valImages,
        String valAnnotations,
        double flipProb,
        boolean keepEmptyImages,
        int numWorkers,
        int prefetchBatches) {

    /** Validates ranges; messages name the JSON field. */
    public DataConfig {
        InvalidFieldException.require(flipProb >= 0 && flipProb <= 1, "flip_prob", "a number in [0, 1]", flipProb);
        InvalidFieldException.require(numWorkers > 0, "num_workers", "a positive integer", numWorkers);
        InvalidFieldException.require(prefetchBatches > 0, "prefetch_batches", "a positive integer", prefetchBatches);
    }

    /** The defaults: the COCO 2017 layout under the current folder. */
    public static final String DEFAULTS = """
            {
              "root": ".",
              "train_images": "train2017",
              "train_annotations": "annotations/instances_train2017.json",
              "val_images": "val2017",
              "val_annotations": "annotations/instances_val2017.json",
              "flip_prob": 0.5,
              "keep_empty_images": true,
              "num_workers": 2,
              "prefetch_batches": 4
            }""";

    /** @return the defaults */
    public static DataConfig defaults() {
        return fromJson(new JsonObject(), ConfigPath.root("defaults"));
    }

    /**
     * Reads the "data" object; absent fields take the {@link #DEFAULTS}.
     *
     * @param json the object (null = all defaults)
     * @param at where it sits, for error messages
     * @return the resolved data config
     */
    public static DataConfig fromJson(JsonElement json, ConfigPath at) {
        return ConfigBinder.bind(json, DataConfig.class, JsonFiles.parseObject(DEFAULTS, "DataConfig.DEFAULTS"), at);
    }

    /** @return the resolved config as JSON */
    public JsonObject toJson() {
        return ConfigBinder.toJson(this);
    }

    /**
     * Fails with one clear message, naming the missing path and the layout expected, when the
     * training split is not there: before any model is built.
     */
    public void checkTrainSplit() {
        Path ann = trainAnnotationsPath();
        Path images = trainImagesPath();
        if (!Files.isRegularFile(ann) || !Files.isDirectory(images)) {
            Path missing = Files.isRegularFile(ann) ? images : ann;
            throw new IllegalArgumentException("dataset not found: " + missing + " does not exist (data root '"
                    + root + "'; expected the COCO layout: <root>/" + trainImages + "/, <root>/" + trainAnnotations
                    + ", <root>/" + valImages + "/, <root>/" + valAnnotations
                    + "; pass --data DIR or set the config's data fields)");
        }
    }

    /** A copy with another root folder. */
    public DataConfig withRoot(Path newRoot) {
        return new DataConfig(
                newRoot.toString(),
                trainImages,
                trainAnnotations,
                valImages,
                valAnnotations,
                flipProb,
                keepEmptyImages,
                numWorkers,
                prefetchBatches);
    }

    /** {@code path} resolved against {@code root}. */
    public Path resolve(String path) {
        return Path.of(root).resolve(path);
    }

    public Path trainImagesPath() {
        return resolve(trainImages);
    }

    public Path trainAnnotationsPath() {
        return resolve(trainAnnotations);
    }

    public Path valImagesPath() {
        return resolve(valImages);
    }

    public Path valAnnotationsPath() {
        return resolve(valAnnotations);
    }
}
