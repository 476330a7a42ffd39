package org.cardinal.detector.compare;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cardinal.backbone.pretrain.PretrainConfig;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.core.config.ConfigBinder;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.JsonFiles;

/**
 * The {@code pretrain} part of a comparison: the paper's pipeline, ImageNet-style classification
 * pretraining of each backbone ({@code tools/pretrain-backbone}'s trainer and recipe) before the
 * detector is trained from those weights, as the paper goes from ImageNet to COCO.
 *
 * <pre>{@code
 * "pretrain": { "recipe": "configs/pretrain/default.json",   a recipe file or name, or an object
 *               "images": "/data/imagenet",                  default: the recipe's generated set
 *               "per_seed": true }
 * }</pre>
 *
 * <p>The recipe's {@code backbone} is replaced by each backbone of the comparison (so it may be left
 * out). {@code images} is a folder in ImageNet's layout ({@code train/<class>/...}, optionally
 * {@code val/<class>/...}); without it the recipe's {@code generated} synthetic set is written
 * once into the comparison folder. With {@code per_seed} (the default) every seed of the
 * comparison pretrains anew with its own seed, so the confidence intervals cover the whole
 * pipeline; with {@code "per_seed": false} each backbone is pretrained once, with the recipe's
 * seed, as the paper did (affordable for ImageNet), and the intervals then cover detector
 * training from those weights only.
 *
 * @param recipe the pretraining recipe (its {@code backbone} is a placeholder)
 * @param images the image folder, or null for the recipe's generated set
 * @param perSeed pretrain once per seed (true) or once per backbone (false)
 */
public record Pretraining(PretrainConfig recipe, String images, boolean perSeed) {

    /** Stands in for a recipe's {@code backbone} when it has none: every backbone replaces it. */
    private static final String PLACEHOLDER_BACKBONE = "resnet18";

    /**
     * Reads the {@code pretrain} object; a recipe given as a file is checked on its own, so that
     * its errors name that file.
     *
     * @param json the object
     * @param at where it sits
     * @return the pretraining part
     */
    public static Pretraining fromJson(JsonElement json, ConfigPath at) {
        if (!json.isJsonObject()) {
            throw at.invalid("an object {\"recipe\": ..., \"images\": ...}", json);
        }
        JsonObject o = json.getAsJsonObject().deepCopy();
        JsonElement r = o.get("recipe");
        if (r == null || r.isJsonNull()) {
            throw at.field("recipe").missing("a pretraining recipe: a file, a name in configs/pretrain/ or an object");
        }
        if (r.isJsonPrimitive() && r.getAsJsonPrimitive().isString()) {
            Path file = ComparisonConfig.ConfigFiles.locate(r.getAsString(), "pretrain", at.field("recipe"));
            PretrainConfig recipe =
                    PretrainConfig.fromJson(withBackbone(JsonFiles.readObject(file)), ConfigPath.root(file.toString()));
            o.add("recipe", recipe.toJson());
        } else if (r.isJsonObject()) {
            o.add("recipe", withBackbone(r.getAsJsonObject()));
        }
        JsonObject d = new JsonObject();
        d.add("images", JsonNull.INSTANCE);
        d.addProperty("per_seed", true);
        return ConfigBinder.bind(o, Pretraining.class, d, at);
    }

    /** @return the resolved form, read back equal by {@link #fromJson} */
    public JsonObject toJson() {
        return ConfigBinder.toJson(this);
    }

    /**
     * The recipe for one backbone and seed.
     *
     * @param backbone the architecture to pretrain
     * @param seed the seed of a comparison run, used when pretraining per seed
     * @return the recipe with that architecture and seed
     */
    public PretrainConfig recipeFor(BackboneSpec backbone, long seed) {
        JsonObject j = recipe.toJson();
        j.add("backbone", backbone.toJson());
        if (perSeed) {
            j.addProperty("seed", seed);
        }
        return PretrainConfig.fromJson(j, ConfigPath.root("pretraining of " + backbone.name()));
    }

    /**
     * The pretraining images: {@link #images()}, or the recipe's synthetic set generated once into
     * the comparison folder (a complete set is left as it is).
     *
     * @param forRecipe the recipe of a run (its generated set)
     * @param comparisonDir the comparison folder
     * @return the folder with train/ and val/
     * @throws IOException if the set cannot be written
     */
    Path imagesFolder(PretrainConfig forRecipe, Path comparisonDir) throws IOException {
        if (images == null) {
            Path generated = comparisonDir.resolve("pretrain-data");
            forRecipe.generated().writeTo(generated);
            return generated;
        }
        Path folder = Path.of(images);
        if (!Files.isDirectory(folder.resolve("train"))) {
            throw new IllegalArgumentException(
                    "pretrain.images " + folder + ": expected a folder with train/<class>/ images (ImageNet's layout)");
        }
        return folder;
    }

    private static JsonObject withBackbone(JsonObject recipe) {
        JsonObject copy = recipe.deepCopy();
        if (!copy.has("backbone") && !copy.has("arch")) {
            copy.addProperty("backbone", PLACEHOLDER_BACKBONE);
        }
        return copy;
    }
}
