package org.cardinal.tools;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.train.SolverConfig;

/** The command-line options that replace fields of a run config, shared by the training tools. */
final class RunOverrides {

    private RunOverrides() {}

    /**
     * @param cfg the config as read
     * @param data {@code --data}, or null
     * @param device {@code --device}, or null
     * @param seed {@code --seed}, or null
     * @param maxIter {@code --max-iter}, or 0
     * @param baseLr {@code --base-lr}, or 0
     * @return the config with those replaced
     */
    static RunConfig apply(RunConfig cfg, Path data, String device, Long seed, int maxIter, double baseLr) {
        if (data != null) {
            if (!Files.isDirectory(data)) {
                throw new IllegalArgumentException("--data " + data + ": no such folder");
            }
            cfg = cfg.withDataRoot(data);
        }
        if (device != null) {
            cfg = cfg.withDevice(device.toLowerCase(Locale.ROOT));
        }
        SolverConfig s = cfg.solver();
        if (seed != null) {
            s = s.withSeed(seed);
        }
        if (maxIter > 0) {
            s = s.withMaxIter(maxIter);
        }
        if (baseLr > 0) {
            s = s.withBaseLr(baseLr);
        }
        return cfg.withSolver(s);
    }
}
