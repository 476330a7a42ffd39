package org.cardinal.tools;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cardinal.detector.train.DeviceSelection;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.train.SolverConfig;

/**
 * The command-line options that replace fields of a run config, shared by the training tools:
 * {@code tools/train-detector} applies them to its config, {@code tools/compare-backbones} merges
 * them into the base config of every run. Checked when made, before anything runs.
 *
 * @param data {@code --data} (a folder that exists), or null
 * @param device {@code --device} in lower case (checked by {@link DeviceSelection}), or null
 * @param seed {@code --seed}, or null
 * @param maxIter {@code --max-iter} (positive), or null
 * @param baseLr {@code --base-lr} (positive), or null
 */
record RunOverrides(Path data, String device, Long seed, Integer maxIter, Double baseLr) {

    RunOverrides {
        if (data != null && !Files.isDirectory(data)) {
            throw new IllegalArgumentException("--data " + data + ": no such folder");
        }
        if (device != null) {
            device = DeviceSelection.checkOption("--device", device);
        }
        if (maxIter != null && maxIter <= 0) {
            throw new IllegalArgumentException("--max-iter: expected a positive integer, found " + maxIter);
        }
        if (baseLr != null && !(baseLr > 0 && Double.isFinite(baseLr))) {
            throw new IllegalArgumentException("--base-lr: expected a positive number, found " + baseLr);
        }
    }

    /** @return {@code cfg} with the given options replacing its fields */
    RunConfig apply(RunConfig cfg) {
        if (data != null) {
            cfg = cfg.withDataRoot(data);
        }
        if (device != null) {
            cfg = cfg.withDevice(device);
        }
        SolverConfig s = cfg.solver();
        if (seed != null) {
            s = s.withSeed(seed);
        }
        if (maxIter != null) {
            s = s.withMaxIter(maxIter);
        }
        if (baseLr != null) {
            s = s.withBaseLr(baseLr);
        }
        return cfg.withSolver(s);
    }

    /** @return the given options as fields of a run config, to merge into one */
    JsonObject toJson() {
        JsonObject solver = new JsonObject();
        if (device != null) {
            solver.addProperty("device", device);
        }
        if (seed != null) {
            solver.addProperty("seed", seed);
        }
        if (maxIter != null) {
            solver.addProperty("max_iter", maxIter);
        }
        if (baseLr != null) {
            solver.addProperty("base_lr", baseLr);
        }
        JsonObject o = new JsonObject();
        if (solver.size() > 0) {
            o.add("solver", solver);
        }
        if (data != null) {
            JsonObject d = new JsonObject();
            d.addProperty("root", data.toString());
            o.add("data", d);
        }
        return o;
    }
}
