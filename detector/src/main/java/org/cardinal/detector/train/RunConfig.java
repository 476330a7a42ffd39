package org.cardinal.detector.train;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.cardinal.backbone.JsonObjects;
import org.cardinal.detector.DetectorConfig;

/**
 * Everything that describes one detector training run: the model (D2's {@link DetectorConfig}),
 * the solver ({@link SolverConfig}) and the data ({@link DataConfig}). Immutable; defaults live
 * in those three records; {@link #toJson()} is the resolved form the trainer writes to the run
 * folder as {@code config.json}, and reading it back gives an equal config.
 *
 * <pre>{@code
 * { "name": "...", "model": { DetectorConfig }, "solver": { ... }, "data": { ... } }
 * }</pre>
 *
 * @param name run name (free text, shown in logs)
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

    private static final Set<String> FIELDS =
            Set.of("name", "model", "solver", "data", "backbone_weights", "weights");

    /** A run without initial weights (random initialization). */
    public RunConfig(String name, DetectorConfig model, SolverConfig solver, DataConfig data) {
        this(name, model, solver, data, null, null);
    }

    /** Default model, solver and data. */
    public static RunConfig defaults() {
        return new RunConfig(
                "faster_rcnn", DetectorConfig.defaults(), SolverConfig.defaults(),
                DataConfig.defaults());
    }

    /**
     * Reads a run config object.
     *
     * @param json the top-level object
     * @param source file name for error messages
     * @return the resolved config
     * @throws IllegalArgumentException naming the source and field on any invalid content
     */
    public static RunConfig fromJson(JsonObject json, String source) {
        for (String key : json.keySet()) {
            if (!FIELDS.contains(key)) {
                throw new IllegalArgumentException(
                        source + ": unknown field '" + key + "'; known fields: "
                                + new TreeSet<>(FIELDS));
            }
        }
        JsonFields top = new JsonFields(json, source, "run config");
        String name = top.getString("name", "faster_rcnn");
        DetectorConfig model =
                DetectorConfig.fromJson(object(json, "model", source), source + ": model");
        SolverConfig solver = SolverConfig.fromJson(object(json, "solver", source), source);
        DataConfig data = DataConfig.fromJson(object(json, "data", source), source);
        return new RunConfig(
                name, model, solver, data, top.getString("backbone_weights", null),
                top.getString("weights", null));
    }

    /**
     * Reads a run config file.
     *
     * @param file JSON file
     * @return the resolved config
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming the file and field on malformed content
     */
    public static RunConfig load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": config file not found");
        }
        return fromJson(JsonObjects.read(file), file.toString());
    }

    /** The resolved config: every field of every part present. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        o.add("model", model.toJson());
        o.add("solver", solver.toJson());
        o.add("data", data.toJson());
        if (backboneWeights != null) {
            o.addProperty("backbone_weights", backboneWeights);
        }
        if (weights != null) {
            o.addProperty("weights", weights);
        }
        return o;
    }

    /** {@link #toJson()} pretty-printed. */
    public String toJsonString() {
        return new GsonBuilder().setPrettyPrinting().create().toJson(toJson());
    }

    /** A copy whose data paths are relative to {@code root} (the CLI's {@code --data}). */
    public RunConfig withDataRoot(Path root) {
        return new RunConfig(name, model, solver, data.withRoot(root), backboneWeights, weights);
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

    private static JsonObject object(JsonObject json, String field, String source) {
        if (!json.has(field) || json.get(field).isJsonNull()) {
            return new JsonObject();
        }
        JsonElement e = json.get(field);
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException(
                    source + ": field '" + field + "': expected an object, found " + e);
        }
        return e.getAsJsonObject();
    }
}
