package org.cardinal.detector.data;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The embedded default dataset: the synthetic COCO-format set of {@link SyntheticCocoGenerator}
 * with its default options, generated on first use into {@link #ROOT}, where the demo configs
 * expect it. Nothing is downloaded.
 */
public final class EmbeddedDataset {

    /** Where configs expect the embedded dataset (relative to the working folder). */
    public static final Path ROOT = Path.of("runs", "data", "synthetic");

    private EmbeddedDataset() {}

    /**
     * Generates the embedded dataset if {@code root} is its folder and it is not complete yet.
     *
     * @param root a config's data root
     * @param log where to say that it is being generated
     * @throws IOException if it cannot be written
     */
    public static void ensure(Path root, PrintStream log) throws IOException {
        if (!root.normalize().equals(ROOT) && !root.toAbsolutePath().normalize().equals(ROOT.toAbsolutePath())) {
            return;
        }
        SyntheticCocoGenerator gen = new SyntheticCocoGenerator(SyntheticCocoGenerator.Options.defaults());
        if (!gen.isComplete(ROOT)) {
            log.printf(
                    "generating the embedded dataset in %s (%d train / %d val images)...%n",
                    ROOT, gen.options().trainImages(), gen.options().valImages());
            gen.ensure(ROOT);
        }
    }
}
