package org.cardinal.tools;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import org.cardinal.coco.CocoEvalParams;
import org.cardinal.coco.CocoEvalResult;
import org.cardinal.core.cli.Args;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.train.NonFiniteLossException;
import org.cardinal.core.train.StopRequest;
import org.cardinal.detector.data.EmbeddedDataset;
import org.cardinal.detector.train.ConsoleProgressListener;
import org.cardinal.detector.train.DetectorTrainer;
import org.cardinal.detector.train.EvalResult;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.train.TrainingRun;

/**
 * {@code tools/train-detector}: trains a Faster R-CNN as a config describes, with a progress bar,
 * a metrics log, curves and the resolved config in the run folder, then prints the COCO summary
 * and packages the model as a zoo artifact. With no arguments it trains the small demo config on
 * the embedded synthetic dataset (generated on first use).
 */
public final class TrainDetector {

    static final String DEFAULT_CONFIG = "demo_tiny_fpn";

    private static final String TOOL = "tools/train-detector";

    static final String USAGE = String.join(
            "\n",
            "usage: " + TOOL + " [--config configs/detectors/NAME.json | NAME] [--data DIR] [--output DIR]",
            "                            [--device cpu|gpu|gpu:0,1] [--seed N] [--resume] [--max-iter N]",
            "                            [--base-lr LR]",
            "Trains a Faster R-CNN detector and evaluates it with COCO metrics.",
            "  --config    run config (default " + DEFAULT_CONFIG + ": tiny ResNeXt FPN on the embedded synthetic",
            "              dataset, a few minutes on a laptop CPU)",
            "  --data      dataset root replacing the config's data.root (COCO 2017 layout: train2017/, val2017/,",
            "              annotations/instances_train2017.json, annotations/instances_val2017.json)",
            "  --output    run folder (default runs/<config name>, with _seed<N> when --seed is given)",
            "  --device    cpu, gpu (all GPUs) or gpu:0,1 (default: the config's, auto = GPUs if any)",
            "  --seed      the run's seed (initial weights, data order, sampling), replacing the config's",
            "  --resume    continue the run in --output from its last checkpoint, exactly; give the options it was",
            "              started with (a stop or a NaN loss prints that command), other data is refused",
            "  --max-iter  stop after N iterations instead of the config's max_iter",
            "  --base-lr   the learning rate after warmup, replacing the config's (e.g. to resume after a",
            "              NaN loss with a lower one)",
            "Writes into the run folder: config.json, metrics.jsonl, loss.png, ap.png, lr.png, checkpoints/,",
            "model/ (artifact for tools/predict and tools/evaluate).",
            "Exit codes: 0 done, 2 a mistake in the options or files, 3 a NaN/infinite loss (the message says",
            "how to resume), 130/143 stopped by Ctrl-C/SIGTERM after a checkpoint (resume with --resume).");

    private TrainDetector() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(USAGE, argv, args -> run(args, System.out, System.err, Cli.stopOnSignals()));
    }

    static TrainingRun.Result run(Args args, PrintStream out, PrintStream err, StopRequest stop) throws Exception {
        String configSpec = args.string("--config", DEFAULT_CONFIG);
        Path output = args.path("--output");
        boolean resume = args.flag("--resume");
        RunOverrides overrides = new RunOverrides(
                args.path("--data"),
                args.string("--device", null),
                args.longInteger("--seed"),
                args.integer("--max-iter", 0),
                args.number("--base-lr", 0));
        args.finish();

        Path configFile = ProjectFiles.config(configSpec, "detectors");
        RunConfig cfg = overrides.apply(RunConfig.load(configFile));
        Path runDir = output != null
                ? output
                : Path.of("runs", cfg.name() + (overrides.seed() != null ? "_seed" + overrides.seed() : ""));
        if (resume) {
            DetectorTrainer.checkResumable(cfg, runDir); // before generating or reading any data
        }
        EmbeddedDataset.ensure(Path.of(cfg.data().root()), err);
        out.printf(Locale.ROOT, "config %s -> run folder %s%n", configFile, runDir);
        TrainingRun.Result r;
        try {
            r = new TrainingRun(cfg, runDir)
                    .addListener(new ConsoleProgressListener(
                            err,
                            System.console() != null,
                            Math.max(1, cfg.solver().logPeriod())))
                    .setStopRequest(stop)
                    .setLog(err)
                    .train(resume);
        } catch (NonFiniteLossException e) {
            Args.Command command = args.rerun(TOOL)
                    .with(
                            "--base-lr",
                            String.format(Locale.ROOT, "%.3g", cfg.solver().baseLr() / 2));
            if (e.lastCheckpoint() != null) {
                command.with("--resume");
            }
            throw new Cli.Exit(
                    Cli.NON_FINITE_LOSS, e.getMessage() + "; to go on with a lower learning rate: " + command);
        }
        if (r.summary().stopped()) {
            out.printf(
                    Locale.ROOT,
                    "%nstopped by %s after iteration %d; checkpoint %s%n",
                    r.summary().stoppedBy(),
                    r.summary().iterations(),
                    r.summary().lastCheckpoint());
            out.println("continue with: " + args.rerun(TOOL).with("--resume"));
            return r;
        }
        out.printf(
                Locale.ROOT,
                "%ntrained %d iterations in %.1f s (%.2f images/s), %,d parameters%n",
                r.summary().iterations(),
                r.summary().seconds(),
                r.summary().imagesPerSecond(),
                r.detectorParams());
        EvalResult eval = r.summary().finalEval();
        if (eval != null) {
            out.printf(
                    Locale.ROOT,
                    "COCO bbox evaluation on %s (%d images):%n",
                    cfg.data().valAnnotationsPath(),
                    eval.numImages());
            out.print(eval.summary());
            // the trainer evaluates with the default parameters
            out.print(CocoEvalResult.perCategoryTable(
                    CocoEvalParams.defaults(), eval.perCategoryAp(), r.summary().categories()));
        } else {
            out.println("no val split: skipped the COCO evaluation");
        }
        out.printf(Locale.ROOT, "run folder: %s (metrics.jsonl, loss.png, ap.png, config.json)%n", runDir);
        out.printf(
                Locale.ROOT,
                "model: %s  (try: tools/predict --model %s --image IMAGE_OR_DIR)%n",
                r.artifact().dir(),
                r.artifact().dir());
        return r;
    }
}
