package org.cardinal.tools;

import java.nio.file.Path;
import org.cardinal.coco.bench.CocoBenchmarkSet;
import org.cardinal.core.cli.Args;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.io.AtomicFiles;

/**
 * Writes the COCO evaluation benchmark's synthetic ground truth and results ({@link
 * CocoBenchmarkSet}) into a folder, for {@code tools/bench/coco-eval}.
 */
public final class GenerateCocoBenchmarkSet {

    static final String USAGE = String.join(
            "\n",
            "usage: GenerateCocoBenchmarkSet --output DIR [--images 5000] [--categories 80] [--dets-per-image 100]",
            "                                [--seed 1]",
            "Writes DIR/gt.json and DIR/dt.json (each atomically): a synthetic ground truth and results pair",
            "shaped like a COCO val2017 evaluation; the same options give the same files byte for byte.");

    private GenerateCocoBenchmarkSet() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(USAGE, argv, GenerateCocoBenchmarkSet::run);
    }

    static void run(Args args) throws Exception {
        Path dir = Path.of(args.required("--output"));
        int images = args.integer("--images", 5000);
        int categories = args.integer("--categories", 80);
        int dets = args.integer("--dets-per-image", 100);
        Long seed = args.longInteger("--seed");
        args.finish();
        CocoBenchmarkSet set = new CocoBenchmarkSet(images, categories, dets, seed == null ? 1 : seed);
        // dt.json is complete and renamed before gt.json: a set with gt.json is whole
        AtomicFiles.write(
                dir.resolve("gt.json"), gt -> AtomicFiles.write(dir.resolve("dt.json"), dt -> set.write(gt, dt)));
    }
}
