package org.cardinal.tools;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import org.cardinal.coco.CocoEvalParams;
import org.cardinal.coco.CocoEvalResult;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.cli.Rerun;
import org.cardinal.core.cli.ToolOptions;
import org.cardinal.core.train.NonFiniteLossException;
import org.cardinal.core.train.StopRequest;
import org.cardinal.core.train.StoppedException;
import org.cardinal.detector.data.EmbeddedDataset;
import org.cardinal.detector.train.ConsoleProgressListener;
import org.cardinal.detector.train.DetectorTrainer;
import org.cardinal.detector.train.EvalResult;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tools/train-detector}: trains a Faster R-CNN as a config describes, with a progress bar,
 * a metrics log, curves and the resolved config in the run folder, then prints the COCO summary
 * and packages the model as a zoo artifact. With no arguments it trains the small demo config on
 * the embedded synthetic dataset (generated on first use).
 */
public final class TrainDetector {

    static final String DEFAULT_CONFIG = "demo_tiny_fpn";

    private static final String TOOL = "tools/train-detector";

    /** The options of {@code tools/train-detector}. */
    @Command(
            name = TOOL,
            description = "Trains a Faster R-CNN detector and evaluates it with COCO metrics.",
            footer = {
                "Writes into the run folder: config.json, metrics.jsonl, loss.png, ap.png, lr.png, checkpoints/,",
                "model/ (artifact for tools/predict and tools/evaluate).",
                "Exit codes: 0 done, 2 a mistake in the options or files, 3 a NaN/infinite loss (the message says",
                "how to resume), 130/143 stopped by Ctrl-C/SIGTERM after a checkpoint (resume with --resume)."
            })
    static final class Options extends ToolOptions {
        @Option(
                names = "--config",
                paramLabel = "FILE|NAME",
                description = "run config, configs/detectors/NAME.json or NAME (default " + DEFAULT_CONFIG
                        + ": tiny ResNeXt FPN on the embedded synthetic dataset, a few minutes on a laptop CPU)")
        String config = DEFAULT_CONFIG;

        @Option(
                names = "--data",
                paramLabel = "DIR",
                description = "dataset root replacing the config's data.root (COCO 2017 layout: train2017/,"
                        + " val2017/, annotations/instances_train2017.json, annotations/instances_val2017.json)")
        Path data;

        @Option(
                names = "--output",
                paramLabel = "DIR",
                description = "run folder (default runs/<config name>, with _seed<N> when --seed is given)")
        Path output;

        @Option(
                names = "--device",
                paramLabel = "cpu|gpu|gpu:0,1",
                description = "cpu, gpu (all GPUs) or gpu:0,1 (default: the config's, auto = GPUs if any)")
        String device;

        @Option(
                names = "--seed",
                paramLabel = "N",
                description = "the run's seed (initial weights, data order, sampling), replacing the config's")
        Long seed;

        @Option(
                names = "--resume",
                description = "continue the run in --output from its last checkpoint, exactly; give the options it"
                        + " was started with (a stop or a NaN loss prints that command), other data is refused")
        boolean resume;

        @Option(
                names = "--max-iter",
                paramLabel = "N",
                description = "stop after N iterations (N > 0) instead of the config's max_iter")
        Integer maxIter;

        @Option(
                names = "--base-lr",
                paramLabel = "LR",
                description = "the learning rate after warmup (LR > 0), replacing the config's (e.g. to resume after"
                        + " a NaN loss with a lower one)")
        Double baseLr;
    }

    private TrainDetector() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(new Options(), argv, options -> run(options, System.out, System.err, Cli.stopOnSignals()));
    }

    static TrainingRun.Result run(Options args, PrintStream out, PrintStream err, StopRequest stop) throws Exception {
        String configSpec = args.config;
        Path output = args.output;
        boolean resume = args.resume;
        RunOverrides overrides = new RunOverrides(args.data, args.device, args.seed, args.maxIter, args.baseLr);

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
            Rerun command = args.rerun()
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
            out.println("continue with: " + args.rerun().with("--resume"));
            throw new StoppedException("stopped by " + r.summary().stoppedBy() + " after iteration "
                    + r.summary().iterations() + " (continue with the command above)");
        }
        out.printf(Locale.ROOT, "%n%s, %,d parameters%n", r.summary().describe(), r.detectorParams());
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
