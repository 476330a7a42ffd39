package org.cardinal.tools;

import ai.djl.util.cuda.CudaUtils;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.cli.ToolOptions;
import org.cardinal.core.train.NonFiniteLossException;
import org.cardinal.core.train.StopRequest;
import org.cardinal.core.train.StoppedException;
import org.cardinal.detector.compare.Comparison;
import org.cardinal.detector.compare.ComparisonConfig;
import org.cardinal.detector.compare.ComplexityCheck;
import org.cardinal.detector.compare.RunResult;
import org.cardinal.detector.compare.TimeEstimate;
import org.cardinal.detector.train.ConsoleProgressListener;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tools/compare-backbones}: the paper's backbone swap on the user's data. Runs a
 * comparison config ({@link ComparisonConfig}) with {@link Comparison}: every backbone over
 * several seeds, each (backbone, seed) a resumable run folder, then {@code report.md} and {@code
 * report.html}. Prints the complexity check and a measured estimate of the total time before it
 * starts, a line per run, and the verdict at the end. Ctrl-C (or SIGTERM) stops it cleanly after
 * the current iteration; the same command continues it.
 */
public final class CompareBackbones {

    static final String DEFAULT_CONFIG = "demo_resnet_vs_resnext";

    private static final String TOOL = "tools/compare-backbones";

    /** DJL's system property for libtorch's intra-op thread count, read when the engine starts. */
    private static final String NUM_THREADS = "ai.djl.pytorch.num_threads";

    /** The options of {@code tools/compare-backbones}. */
    @Command(
            name = TOOL,
            description = {
                "Trains the same Faster R-CNN with each backbone of the config over several seeds (per seed every"
                        + " part but the backbone sees the same data and starts from the same weights, but for the"
                        + " parameters whose shapes follow the backbone's, which it names before training), evaluates"
                        + " each run and writes DIR/report.md and DIR/report.html: AP as mean ± std over seeds, the"
                        + " paired difference from the first backbone with its 95% confidence interval, the verdict,"
                        + " complexity, curves. Default config " + DEFAULT_CONFIG
                        + ": small ResNet vs ResNeXt on the embedded synthetic dataset."
            },
            footer = {
                "An interrupted comparison continues where it stopped when run again with the same options (finished",
                "runs are reused; --retrain only to start over)."
            })
    static final class Options extends ToolOptions {
        @Option(
                names = "--config",
                paramLabel = "FILE|NAME",
                description = "comparison config, configs/compare/NAME.json or NAME (default " + DEFAULT_CONFIG + ")")
        String config = DEFAULT_CONFIG;

        @Option(
                names = "--output",
                paramLabel = "DIR",
                description = "comparison folder (default runs/compare/<name>); run k of backbone B in DIR/B/seed_S")
        Path output;

        @Option(
                names = "--data",
                paramLabel = "DIR",
                description = "dataset root replacing the base config's data.root")
        Path data;

        @Option(
                names = "--device",
                paramLabel = "cpu|gpu|gpu:0,1",
                description = "cpu, gpu or gpu:0,1 (default: the base config's)")
        String device;

        @Option(
                names = "--max-iter",
                paramLabel = "N",
                description = "iterations per run, N > 0 (the base schedule's steps and periods scale with it)")
        Integer maxIter;

        @Option(
                names = "--seeds",
                paramLabel = "N",
                description = "seeds per backbone, N > 0 (default: the config's, 3 unless it says otherwise)")
        Integer seeds;

        @Option(
                names = "--seed",
                paramLabel = "S",
                description = "the first seed (default: the base config's solver.seed); seed k is S + k")
        Long seed;

        @Option(
                names = "--parallel",
                paramLabel = "N",
                description = "runs trained at the same time, N > 0 (default on a CPU with 2 or more cores: 2, each"
                        + " with half the cores as libtorch threads; on a GPU: 1)")
        Integer parallel;

        @Option(
                names = "--retrain",
                description = "train every run again, even where a finished or interrupted one exists")
        boolean retrain;
    }

    private CompareBackbones() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(new Options(), argv, options -> run(options, System.out, System.err, Cli.stopOnSignals()));
    }

    static Path run(Options args, PrintStream out, PrintStream err, StopRequest stop) throws Exception {
        long t0 = System.nanoTime();
        String spec = args.config;
        Path output = args.output;
        RunOverrides overrides = new RunOverrides(args.data, args.device, args.seed, args.maxIter, null);
        Integer seeds = args.seeds;
        Integer parallel = args.parallel;
        boolean retrain = args.retrain;
        if (parallel != null && parallel <= 0) {
            throw new IllegalArgumentException("--parallel must be positive, got " + parallel);
        }
        if (seeds != null && seeds <= 0) {
            throw new IllegalArgumentException("--seeds must be positive, got " + seeds);
        }

        Path configFile = ProjectFiles.config(spec, "compare");
        // a bare base name ("demo_tiny_fpn") is also looked up in this installation's configs/
        ComparisonConfig config = ComparisonConfig.load(configFile, ProjectFiles.projectRoot());
        config = config.withOverrides(overrides.toJson());
        if (seeds != null) {
            config = config.withSeeds(seeds);
        }
        Path dir = output != null ? output : Path.of("runs", "compare", config.name());
        String device = config.baseRun().solver().device();
        boolean onCpu = device.equals("cpu") || (device.equals("auto") && CudaUtils.getGpuCount() == 0);
        int cores = Runtime.getRuntime().availableProcessors();
        int runsAtATime = parallel != null ? parallel : (onCpu && cores >= 2 ? 2 : 1);
        if (onCpu && runsAtATime > 1) {
            shareCores(Math.max(1, cores / runsAtATime));
        }
        Comparison comparison = new Comparison(config, dir)
                .setStopRequest(stop)
                .setRetrain(retrain)
                .setRunsAtATime(runsAtATime)
                .setLog(err);
        describe(comparison, configFile, out);
        comparison.prepareData();
        out.println("measuring the speed of each backbone for the time estimate...");
        out.println(
                "estimated time: " + TimeEstimate.measure(comparison, retrain).describe());

        Progress progress = new Progress(comparison.runs().size(), runsAtATime > 1, out, err);
        comparison.addListener(progress);
        Comparison.Outcome outcome;
        try {
            outcome = comparison.run();
        } catch (NonFiniteLossException e) {
            throw new Cli.Exit(
                    Cli.NON_FINITE_LOSS,
                    e.getMessage() + "; the runs of a comparison share one learning rate: lower base_lr in the base"
                            + " run config (or the comparison's overrides) and run the same command with --retrain,"
                            + " which trains every run again (or with --output DIR for a new comparison)");
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.println();
        if (outcome.stopped()) {
            out.printf(
                    Locale.ROOT,
                    "stopped by %s: %d of %d runs finished; continue with: %s%n",
                    outcome.stoppedBy(),
                    outcome.results().size(),
                    outcome.planned(),
                    args.rerun().without("--retrain"));
        }
        for (String v : outcome.findings().verdicts()) {
            out.println("verdict: " + v);
        }
        warn(comparison, out);
        out.println("report: " + outcome.report() + " (and report.md, differences.png, ap.png, loss.png)");
        out.printf(
                Locale.ROOT,
                "wall time: %s (all of it: the estimate's probes, training, evaluations, report)%n",
                duration(seconds));
        if (outcome.stopped()) {
            throw new StoppedException("stopped by " + outcome.stoppedBy() + ": "
                    + outcome.results().size() + " of " + outcome.planned()
                    + " runs finished (continue with the command above)");
        }
        return outcome.report();
    }

    /**
     * Gives each run of a side-by-side comparison its share of the cores: libtorch's intra-op
     * thread count, set before the engine starts, unless the user chose one ({@code
     * OMP_NUM_THREADS} or {@code -Dai.djl.pytorch.num_threads}).
     */
    private static void shareCores(int threads) {
        if (System.getenv("OMP_NUM_THREADS") == null && System.getProperty(NUM_THREADS) == null) {
            System.setProperty(NUM_THREADS, Integer.toString(threads));
        }
    }

    private static void describe(Comparison c, Path configFile, PrintStream out) {
        ComparisonConfig cfg = c.config();
        RunConfig first = c.runs().get(0).config();
        long[] seeds = cfg.seedValues();
        out.printf(Locale.ROOT, "comparison %s (%s) -> %s%n", cfg.name(), configFile, c.dir());
        out.printf(
                Locale.ROOT,
                "%d backbones x %d seed%s (%s), %d iterations per run, Faster R-CNN %s%s%s%n",
                cfg.backbones().size(),
                seeds.length,
                seeds.length == 1 ? "" : "s",
                seedList(seeds),
                first.solver().maxIter(),
                first.model().variant(),
                cfg.pretrain() != null ? ", each backbone pretrained first" : "",
                c.runsAtATime() > 1
                        ? String.format(
                                Locale.ROOT,
                                "; %d runs at a time%s",
                                c.runsAtATime(),
                                System.getProperty(NUM_THREADS) != null
                                        ? ", " + System.getProperty(NUM_THREADS) + " libtorch thread"
                                                + (System.getProperty(NUM_THREADS)
                                                                .equals("1")
                                                        ? ""
                                                        : "s") + " each"
                                        : "")
                        : "");
        ComplexityCheck cx = c.complexity();
        StringBuilder b = new StringBuilder("complexity at " + cx.inputSize() + "x" + cx.inputSize() + ":");
        for (ComplexityCheck.Row r : cx.rows()) {
            b.append(String.format(
                    Locale.ROOT,
                    " %s %.2fM params (%.2fx), %.3f GMACs (%.2fx);",
                    r.backbone(),
                    r.params() / 1e6,
                    r.paramsRatio(),
                    r.macs() / 1e9,
                    r.macsRatio()));
        }
        out.println(b.substring(0, b.length() - 1));
        out.println("initialization: " + c.initialization().summary());
        warn(c, out);
    }

    /** The complexity warnings, and the parameters outside the backbone that cannot start identical. */
    private static void warn(Comparison c, PrintStream out) {
        for (String w : c.complexity().warnings()) {
            out.println("WARNING: " + w);
        }
        for (String w : c.initialization().warnings()) {
            out.println("WARNING: " + w);
        }
    }

    private static String seedList(long[] seeds) {
        StringBuilder b = new StringBuilder();
        for (long s : seeds) {
            b.append(b.length() == 0 ? "" : ", ").append(s);
        }
        return b.toString();
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600
                ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, (s % 3600) / 60, s % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }

    /**
     * One line per run on stdout, the training progress bar on stderr (plain lines, each with the
     * run's label, when runs train side by side).
     */
    private static final class Progress implements Comparison.Listener {
        private final int total;
        private final boolean sideBySide;
        private final PrintStream out;
        private final PrintStream err;
        private final Map<Integer, Long> started = new ConcurrentHashMap<>();

        Progress(int total, boolean sideBySide, PrintStream out, PrintStream err) {
            this.total = total;
            this.sideBySide = sideBySide;
            this.out = out;
            this.err = err;
        }

        private String prefix(Comparison.Run run) {
            return String.format(
                    Locale.ROOT,
                    "[%d/%d] %s seed %d",
                    run.index() + 1,
                    total,
                    run.backbone().name(),
                    run.seed());
        }

        @Override
        public void runStarting(Comparison.Run run, Comparison.Status status) {
            started.put(run.index(), System.nanoTime());
            out.println(prefix(run)
                    + switch (status) {
                        case FINISHED -> ": finished run found, reusing its result";
                        case PARTIAL -> ": resuming the interrupted run in " + run.dir();
                        case TODO -> ": training in " + run.dir();
                    });
        }

        @Override
        public void pretraining(Comparison.Run run, Path folder, Comparison.Status status) {
            out.println(prefix(run)
                    + switch (status) {
                        case FINISHED -> ": pretrained backbone found in " + folder;
                        case PARTIAL -> ": resuming the pretraining in " + folder;
                        case TODO -> ": pretraining the backbone in " + folder;
                    });
        }

        @Override
        public TrainingListener trainingListener(Comparison.Run run) {
            boolean interactive = System.console() != null && !sideBySide;
            int maxIter = run.config().solver().maxIter();
            // redirected output gets about ten lines per run, whatever its length
            int period = interactive
                    ? run.config().solver().logPeriod()
                    : Math.max(run.config().solver().logPeriod(), maxIter / 10);
            ConsoleProgressListener bar = new ConsoleProgressListener(err, interactive, period);
            return sideBySide ? bar.withLabel(prefix(run)) : bar;
        }

        @Override
        public void runFinished(Comparison.Run run, RunResult r, boolean reused) {
            StringBuilder b = new StringBuilder(prefix(run)).append(':');
            List<String> names = List.of("AP", "AP50", "AP75");
            for (int m = 0; m < names.size(); m++) {
                b.append(String.format(Locale.ROOT, " %s %.1f", names.get(m), r.points(m)));
            }
            if (!reused) {
                b.append(String.format(
                        Locale.ROOT,
                        " (%s, %.2f images/s)",
                        duration((System.nanoTime() - started.get(run.index())) / 1e9),
                        r.imagesPerSecond()));
            }
            out.println(b);
        }
    }
}
