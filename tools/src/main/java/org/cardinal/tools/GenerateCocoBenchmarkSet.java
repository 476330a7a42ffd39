package org.cardinal.tools;

import java.nio.file.Path;
import org.cardinal.coco.bench.CocoBenchmarkSet;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.cli.ToolOptions;
import org.cardinal.core.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Writes the COCO evaluation benchmark's synthetic ground truth and results ({@link
 * CocoBenchmarkSet}) into a folder, for {@code tools/bench/coco-eval}.
 */
public final class GenerateCocoBenchmarkSet {

    /** The options of the benchmark set generator. */
    @Command(
            name = "GenerateCocoBenchmarkSet",
            description = {
                "Writes DIR/gt.json and DIR/dt.json (each atomically): a synthetic ground truth and results pair"
                        + " shaped like a COCO val2017 evaluation; the same options give the same files byte for"
                        + " byte."
            })
    static final class Options extends ToolOptions {
        @Option(names = "--output", required = true, paramLabel = "DIR", description = "where gt.json and dt.json go")
        Path output;

        @Option(names = "--images", paramLabel = "N", description = "images (default 5000)")
        int images = 5000;

        @Option(names = "--categories", paramLabel = "N", description = "categories (default 80)")
        int categories = 80;

        @Option(names = "--dets-per-image", paramLabel = "N", description = "detections per image (default 100)")
        int detsPerImage = 100;

        @Option(names = "--seed", paramLabel = "N", description = "the seed (default 1)")
        long seed = 1;
    }

    private GenerateCocoBenchmarkSet() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(new Options(), argv, GenerateCocoBenchmarkSet::run);
    }

    static void run(Options args) throws Exception {
        Path dir = args.output;
        CocoBenchmarkSet set = new CocoBenchmarkSet(args.images, args.categories, args.detsPerImage, args.seed);
        // dt.json is complete and renamed before gt.json: a set with gt.json is whole
        AtomicFiles.write(
                dir.resolve("gt.json"), gt -> AtomicFiles.write(dir.resolve("dt.json"), dt -> set.write(gt, dt)));
    }
}
