package org.cardinal.detector.train;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Set;

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

    static final Set<String> FIELDS =
            Set.of(
                    "root", "train_images", "train_annotations", "val_images", "val_annotations",
                    "flip_prob", "keep_empty_images", "num_workers", "prefetch_batches");

    /** Validates ranges; messages name the JSON field. */
    public DataConfig {
        if (!(flipProb >= 0 && flipProb <= 1)) {
            throw new IllegalArgumentException(
                    "field 'flip_prob': expected a number in [0, 1], found " + flipProb);
        }
        if (numWorkers <= 0) {
            throw new IllegalArgumentException(
                    "field 'num_workers': expected a positive integer, found " + numWorkers);
        }
        if (prefetchBatches <= 0) {
            throw new IllegalArgumentException(
                    "field 'prefetch_batches': expected a positive integer, found "
                            + prefetchBatches);
        }
    }

    /** The defaults (COCO 2017 layout under the current folder). */
    public static DataConfig defaults() {
        return fromJson(new JsonObject(), "defaults");
    }

    /** Reads the "data" object; absent fields take the defaults. */
    public static DataConfig fromJson(JsonObject json, String source) {
        JsonFields f = new JsonFields(json, source, "data");
        f.rejectUnknown(FIELDS);
        try {
            return new DataConfig(
                    f.getString("root", "."),
                    f.getString("train_images", "train2017"),
                    f.getString("train_annotations", "annotations/instances_train2017.json"),
                    f.getString("val_images", "val2017"),
                    f.getString("val_annotations", "annotations/instances_val2017.json"),
                    f.getDouble("flip_prob", 0.5),
                    f.getBoolean("keep_empty_images", true),
                    f.getInt("num_workers", 2),
                    f.getInt("prefetch_batches", 4));
        } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith(source)) {
                throw e;
            }
            throw new IllegalArgumentException(source + ": data: " + e.getMessage(), e);
        }
    }

    /** The resolved config as JSON. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("root", root);
        o.addProperty("train_images", trainImages);
        o.addProperty("train_annotations", trainAnnotations);
        o.addProperty("val_images", valImages);
        o.addProperty("val_annotations", valAnnotations);
        o.addProperty("flip_prob", flipProb);
        o.addProperty("keep_empty_images", keepEmptyImages);
        o.addProperty("num_workers", numWorkers);
        o.addProperty("prefetch_batches", prefetchBatches);
        return o;
    }

    /** A copy with another root folder. */
    public DataConfig withRoot(Path newRoot) {
        return new DataConfig(newRoot.toString(), trainImages, trainAnnotations, valImages,
                valAnnotations, flipProb, keepEmptyImages, numWorkers, prefetchBatches);
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
