package org.cardinal.detector.zoo;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.core.config.ConfigBinder;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.InvalidFieldException;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.core.io.AtomicFiles;
import org.cardinal.core.io.FolderNames;
import org.cardinal.detector.DetectorConfig;

/**
 * A trained detector packaged as a model-zoo artifact: one folder that fully describes the model,
 * so that {@code Criteria} can load it without any other file.
 *
 * <pre>
 *   artifact.json       {"format": "cardinal-detector", "version": 1, "artifact_id": ..., "description": ...,
 *                        "category_ids": [COCO category id of label 1, of label 2, ...], "source": ...}
 *   config.json         the resolved model config ({@link DetectorConfig#toJson()})
 *   synset.txt          class names, one per line, line i = label i (DJL's convention)
 *   model.safetensors   every parameter by torchvision name (a torchvision Faster R-CNN state_dict)
 * </pre>
 *
 * Labels are contiguous 1..K (0 is background); {@code category_ids} maps them back to the
 * dataset's COCO category ids for results files.
 *
 * @param id artifact id (the folder name by default): one folder name ({@link FolderNames#isPlain}),
 *     as the tools put an artifact's outputs in {@code runs/predict/<id>}
 * @param description free text (what it was trained on, how)
 * @param config the model config
 * @param classNames names of labels 1..K
 * @param categoryIds COCO category ids of labels 1..K
 * @param source where the weights came from (a run folder, an imported file)
 * @param dir the artifact folder (null before it is written)
 */
public record DetectorArtifact(
        String id,
        String description,
        DetectorConfig config,
        List<String> classNames,
        int[] categoryIds,
        String source,
        Path dir) {

    /** Format name written to and expected in {@code artifact.json}. */
    public static final String FORMAT = "cardinal-detector";

    public static final String METADATA = "artifact.json";
    public static final String CONFIG = "config.json";
    public static final String SYNSET = "synset.txt";
    public static final String WEIGHTS = "model.safetensors";
    /** The files of an artifact, in the order a URL repository downloads them. */
    public static final List<String> FILES = List.of(METADATA, CONFIG, SYNSET, WEIGHTS);

    public DetectorArtifact {
        if (!FolderNames.isPlain(id)) {
            throw new IllegalArgumentException(
                    "artifact id " + (id == null ? null : "\"" + id + "\"") + ": expected " + FolderNames.RULE);
        }
        if (classNames.size() != categoryIds.length) {
            throw new IllegalArgumentException("artifact " + id + ": " + classNames.size() + " class names but "
                    + categoryIds.length + " category ids");
        }
        if (config.numClasses() != classNames.size() + 1) {
            throw new IllegalArgumentException("artifact " + id + ": num_classes " + config.numClasses()
                    + " in the config but " + classNames.size() + " class names (expected num_classes - 1)");
        }
        classNames = List.copyOf(classNames);
        categoryIds = categoryIds.clone();
    }

    @Override
    public int[] categoryIds() {
        return categoryIds.clone();
    }

    /** The weights file. */
    public Path weightsFile() {
        return dir.resolve(WEIGHTS);
    }

    /** COCO category id of a contiguous label 1..K. */
    public int categoryIdOf(long label) {
        return categoryIds[(int) label - 1];
    }

    /** True if {@code dir} looks like an artifact folder (has {@code artifact.json}). */
    public static boolean isArtifact(Path dir) {
        return Files.isRegularFile(dir.resolve(METADATA));
    }

    /**
     * Reads an artifact folder.
     *
     * @throws IllegalArgumentException naming the file and field when something is missing or malformed
     */
    public static DetectorArtifact read(Path dir) throws IOException {
        for (String f : FILES) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                throw new IllegalArgumentException(
                        dir + ": not a model artifact: missing " + f + " (expected " + String.join(", ", FILES) + ")");
            }
        }
        Path metaFile = dir.resolve(METADATA);
        JsonObject defaults = new JsonObject();
        defaults.addProperty("version", 1);
        defaults.addProperty("artifact_id", dir.getFileName().toString());
        defaults.addProperty("description", "");
        defaults.addProperty("source", "");
        Metadata meta = ConfigBinder.bind(
                JsonFiles.readObject(metaFile), Metadata.class, defaults, ConfigPath.root(metaFile.toString()));
        DetectorConfig config = DetectorConfig.load(dir.resolve(CONFIG));
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve(SYNSET), StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        try {
            return new DetectorArtifact(
                    meta.artifactId(), meta.description(), config, names, meta.categoryIds(), meta.source(), dir);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
        }
    }

    /** The content of {@code artifact.json}. */
    record Metadata(
            String format, int version, String artifactId, String description, int[] categoryIds, String source) {
        Metadata {
            InvalidFieldException.require(FORMAT.equals(format), "format", "\"" + FORMAT + "\"", "\"" + format + "\"");
            InvalidFieldException.require(version == 1, "version", "1", version);
            InvalidFieldException.require(
                    FolderNames.isPlain(artifactId),
                    "artifact_id",
                    FolderNames.RULE,
                    artifactId == null ? null : "\"" + artifactId + "\"");
        }
    }

    /**
     * Writes the artifact into {@code target} (replacing it): files go to a temporary sibling
     * folder that is renamed into place, so a reader never sees half an artifact.
     *
     * @param weights the model's state_dict by torchvision names
     * @return this artifact with {@link #dir()} set
     */
    public DetectorArtifact write(Path target, StateDict weights) throws IOException {
        Metadata meta = new Metadata(FORMAT, 1, id, description, categoryIds, source);
        AtomicFiles.writeFolder(target, tmp -> {
            AtomicFiles.writeString(tmp.resolve(METADATA), JsonFiles.pretty(ConfigBinder.toJson(meta)) + "\n");
            AtomicFiles.writeString(tmp.resolve(CONFIG), JsonFiles.pretty(config.toJson()) + "\n");
            AtomicFiles.writeString(tmp.resolve(SYNSET), String.join("\n", classNames) + "\n");
            weights.write(tmp.resolve(WEIGHTS));
            // temporary files and folders are private; an artifact is meant to be shared
            if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                for (String f : FILES) {
                    Files.setPosixFilePermissions(tmp.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        });
        return new DetectorArtifact(id, description, config, classNames, categoryIds, source, target);
    }
}
