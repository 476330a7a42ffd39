package org.cardinal.tools;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

import org.cardinal.detector.train.EvalResult;
import org.cardinal.detector.train.RunConfig;

/**
 * {@code tools/train-detector}: trains a Faster R-CNN as a config describes, with a progress bar,
 * a metrics log, curves and the resolved config in the run folder, then prints the COCO summary
 * and packages the model as a zoo artifact. With no arguments it trains the small demo config on
 * the embedded synthetic dataset (generated on first use).
 */
public final class TrainDetector {

    static final String DEFAULT_CONFIG = "demo_tiny_fpn";

    static final String USAGE = String.join("\n",
            "usage: tools/train-detector [--config configs/detectors/NAME.json | NAME] [--data DIR] [--output DIR]",
            "                            [--device cpu|gpu] [--resume] [--max-iter N]",
            "Trains a Faster R-CNN detector and evaluates it with COCO metrics.",
            "  --config    run config (default " + DEFAULT_CONFIG + ": tiny ResNeXt FPN on the embedded synthetic",
            "              dataset, a few minutes on a laptop CPU)",
            "  --data      dataset root replacing the config's data.root (COCO 2017 layout: train2017/, val2017/,",
            "              annotations/instances_train2017.json, annotations/instances_val2017.json)",
            "  --output    run folder (default runs/<config name>)",
            "  --device    cpu, gpu (all GPUs) or gpu:0,1 (default: the config's, auto = GPUs if any)",
            "  --resume    continue the run in --output from its last checkpoint, exactly",
            "  --max-iter  stop after N iterations instead of the config's max_iter",
            "Writes into the run folder: config.json, metrics.jsonl, loss.png, ap.png, lr.png, checkpoints/,",
            "model/ (artifact for tools/predict and tools/evaluate).");

    private TrainDetector() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(USAGE, argv, args -> run(args, System.out, System.err));
    }

    static DetectorTraining.Result run(Args args, PrintStream out, PrintStream err) throws Exception {
        String configSpec = args.string("--config", DEFAULT_CONFIG);
        Path data = args.path("--data");
        Path output = args.path("--output");
        String device = args.string("--device", null);
        boolean resume = args.flag("--resume");
        int maxIter = args.integer("--max-iter", 0);
        args.finish();

        Path configFile = ProjectFiles.config(configSpec, "detectors");
        RunConfig cfg = RunConfig.load(configFile);
        if (maxIter > 0) {
            cfg = cfg.withSolver(cfg.solver().withMaxIter(maxIter));
        } else if (maxIter < 0) {
            throw new IllegalArgumentException("--max-iter must be positive, got " + maxIter);
        }
        cfg = DetectorTraining.prepare(cfg, data, device, err);
        Path runDir = output != null ? output : Path.of("runs", cfg.name());
        out.printf(Locale.ROOT, "config %s -> run folder %s%n", configFile, runDir);
        DetectorTraining.Result r = DetectorTraining.train(cfg, runDir, resume, err);

        out.printf(Locale.ROOT, "%ntrained %d iterations in %.1f s (%.2f images/s), %,d parameters%n",
                r.summary().iterations(), r.summary().seconds(), r.summary().imagesPerSecond(), r.detectorParams());
        EvalResult eval = r.summary().finalEval();
        if (eval != null) {
            out.printf(Locale.ROOT, "COCO bbox evaluation on %s (%d images):%n", cfg.data().valAnnotationsPath(),
                    eval.numImages());
            out.print(eval.summary());
            out.println("per-category AP@[.5:.95] (%):");
            out.print(CocoSummary.perCategory(eval.perCategoryAp(), r.categoryNames()));
        } else {
            out.println("no val split: skipped the COCO evaluation");
        }
        out.printf(Locale.ROOT, "run folder: %s (metrics.jsonl, loss.png, ap.png, config.json)%n", runDir);
        out.printf(Locale.ROOT, "model: %s  (try: tools/predict --model %s --image IMAGE_OR_DIR)%n",
                r.artifact().dir(), r.artifact().dir());
        return r;
    }
}
