package org.cardinal.detector.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import org.cardinal.core.config.ConfigBinder;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.InvalidFieldException;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.core.io.FolderNames;
import org.cardinal.detector.DetectorConfig;

/**
 * Everything that describes one detector training run: the model ({@link DetectorConfig}),
 * the solver ({@link SolverConfig}) and the data ({@link DataConfig}). Immutable; defaults live
 * in those three records; {@link #toJson()} is the resolved form the trainer writes to the run
 * folder as {@code config.json}, and reading it back gives an equal config.
 *
 * <pre>{@code
 * { "name": "...", "model": { DetectorConfig }, "solver": { ... }, "data": { ... } }
 * }</pre>
 *
 * @param name run name, shown in logs; it names the run folder ({@code runs/<name>} by default) and
 *     the packaged model's artifact id, so it is one folder name ({@link FolderNames#isPlain})
 * @param model model part
 * @param solver optimisation part
 * @param data data part
 * @param backboneWeights ImageNet classifier state dict ({@code .safetensors} / {@code .pth},
 *     torchvision names) loaded into the backbone body before training; null = random init
 * @param weights a whole-detector state dict (torchvision names) loaded before training; null =
 *     none. Paths are relative to the working directory. Both are ignored when resuming (the
 *     checkpoint holds every parameter).
 */
public record RunConfig(
        String name,
        DetectorConfig model,
        SolverConfig solver,
        DataConfig data,
        String backboneWeights,
        String weights) {

    /** Validates the name; the parts validate themselves. */
    public RunConfig {
        InvalidFieldException.require(
                FolderNames.isPlain(name), "name", FolderNames.RULE, name == null ? null : "\"" + name + "\"");
    }

    /** A run without initial weights (random initialization). */
    public RunConfig(String name, DetectorConfig model, SolverConfig solver, DataConfig data) {
        this(name, model, solver, data, null, null);
    }

    /** Default model, solver and data. */
    public static RunConfig defaults() {
        return new RunConfig("faster_rcnn", DetectorConfig.defaults(), SolverConfig.defaults(), DataConfig.defaults());
    }

    /**
     * Reads a run config object: {@code model}, {@code solver} and {@code data} take their own
     * defaults field by field; {@code backbone_weights} and {@code weights} are optional.
     *
     * @param json the top-level object
     * @param at where it sits (usually the top of the file), for error messages
     * @return the resolved config
     * @throws org.cardinal.core.config.ConfigException naming the file and field on any invalid
     *     content
     */
    public static RunConfig fromJson(JsonElement json, ConfigPath at) {
        JsonObject d = new JsonObject();
        d.addProperty("name", "faster_rcnn");
        d.add("model", new JsonObject());
        d.add("solver", new JsonObject());
        d.add("data", new JsonObject());
        d.add("backbone_weights", JsonNull.INSTANCE);
        d.add("weights", JsonNull.INSTANCE);
        return ConfigBinder.bind(json, RunConfig.class, d, at);
    }

    /**
     * Reads a run config file.
     *
     * @param file JSON file
     * @return the resolved config
     * @throws org.cardinal.core.config.ConfigException naming the file and field on a missing
     *     file or malformed content
     */
    public static RunConfig load(Path file) {
        return fromJson(JsonFiles.readObject(file), ConfigPath.root(file.toString()));
    }

    /** The resolved config: every field of every part present. */
    public JsonObject toJson() {
        return ConfigBinder.toJson(this);
    }

    /** {@link #toJson()} pretty-printed. */
    public String toJsonString() {
        return JsonFiles.pretty(toJson());
    }

    /** A copy whose data paths are relative to {@code root} (the CLI's {@code --data}). */
    public RunConfig withDataRoot(Path root) {
        return new RunConfig(name, model, solver, data.withRoot(root), backboneWeights, weights);
    }

    /** A copy with another seed (the CLI's {@code --seed}). */
    public RunConfig withSeed(long seed) {
        return new RunConfig(name, model, solver.withSeed(seed), data, backboneWeights, weights);
    }

    /** A copy with another name. */
    public RunConfig withName(String newName) {
        return new RunConfig(newName, model, solver, data, backboneWeights, weights);
    }

    /** A copy with another device option (the CLI's {@code --device}). */
    public RunConfig withDevice(String device) {
        return new RunConfig(name, model, solver.withDevice(device), data, backboneWeights, weights);
    }

    /** A copy with another solver. */
    public RunConfig withSolver(SolverConfig s) {
        return new RunConfig(name, model, s, data, backboneWeights, weights);
    }

    /** A copy with another model. */
    public RunConfig withModel(DetectorConfig m) {
        return new RunConfig(name, m, solver, data, backboneWeights, weights);
    }
}
