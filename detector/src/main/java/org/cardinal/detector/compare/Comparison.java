package org.cardinal.detector.compare;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.cardinal.backbone.pretrain.PretrainConfig;
import org.cardinal.backbone.pretrain.PretrainTrainer;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.JsonDifference;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.core.io.AtomicFiles;
import org.cardinal.core.train.StopRequest;
import org.cardinal.detector.data.EmbeddedDataset;
import org.cardinal.detector.report.TrainingHistory;
import org.cardinal.detector.train.Checkpoint;
import org.cardinal.detector.train.DeviceSelection;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.train.TrainingListener;
import org.cardinal.detector.train.TrainingRun;

/**
 * Runs a {@link ComparisonConfig}: every backbone with every seed, each (backbone, seed) pair one
 * {@link TrainingRun} in its own folder {@code DIR/<backbone>/seed_<seed>/}, then the report
 * ({@link ComparisonReport}) in {@code DIR}.
 *
 * <p>Controlled: the runs of one seed differ in the backbone only. They share the solver, the
 * data and the seed, so they see the same images in the same order with the same flips and
 * sampling draws, and every parameter outside the backbone whose initializer does not depend on
 * the backbone starts from bit-identical weights (each parameter is initialized from its own stream
 * of (seed, its name)). Those whose shape or initial range follows the backbone's (the FPN's
 * lateral convolutions between backbones of different stage channels, for instance) cannot: {@link
 * #initialization()} lists them before anything trains, and the report names them.
 *
 * <p>Order and resumption: seed-major (every backbone with the first seed, then with the next),
 * so that whatever has finished is already paired. A run writes {@code result.json} atomically
 * once trained and evaluated; a run folder holding one for the same config (device and loader
 * threads aside) is reused as it is, a folder holding checkpoints is resumed from the newest, and
 * a folder holding another config's run is an error rather than silently overwritten. A
 * {@link StopRequest} ends the comparison cleanly: a run in progress checkpoints and stops, and the
 * report covers the runs finished so far. Running the comparison again continues where it
 * stopped.
 *
 * <p>Side by side: with {@link #setRunsAtATime} n &gt; 1, n runs train at the same time, taken in
 * the order above; a run that fails (a non-finite loss) makes the others checkpoint and stop
 * before its error is rethrown, and pretrainings still go one at a time.
 */
public final class Comparison {

    /** Where a planned run stands. */
    public enum Status {
        /** Trained and evaluated: its {@code result.json} is reused. */
        FINISHED,
        /** Interrupted: it resumes from its newest checkpoint. */
        PARTIAL,
        /** Not started. */
        TODO
    }

    /**
     * One planned run: a backbone with a seed.
     *
     * @param index position in the comparison's order (0-based)
     * @param seedIndex k of seed k (0-based)
     * @param seed the run's seed
     * @param backbone its backbone
     * @param config its resolved run config
     * @param dir its folder
     */
    public record Run(int index, int seedIndex, long seed, BackboneSpec backbone, RunConfig config, Path dir) {

        /** @return the run's {@code result.json} */
        public Path resultFile() {
            return dir.resolve(RunResult.FILE);
        }
    }

    /** Told about each run as the comparison proceeds; every method has an empty default. */
    public interface Listener {

        /** A run is about to be reused, resumed or trained. */
        default void runStarting(Run run, Status status) {}

        /** Pretraining of a run's backbone starts (or resumes, or a finished one is found). */
        default void pretraining(Run run, Path folder, Status status) {}

        /** @return a listener for the run's training iterations (e.g. a progress bar), or null */
        default TrainingListener trainingListener(Run run) {
            return null;
        }

        /** A run's result is known: reused or trained now. */
        default void runFinished(Run run, RunResult result, boolean reused) {}
    }

    /**
     * What a call to {@link #run()} achieved.
     *
     * @param results the finished runs, in the comparison's order
     * @param planned runs the comparison has
     * @param stoppedBy what stopped the comparison early, or null
     * @param report the HTML report
     * @param findings the statistics of the finished runs
     */
    public record Outcome(List<RunResult> results, int planned, String stoppedBy, Path report, Findings findings) {

        /** @return whether a stop request ended the comparison before every run finished */
        public boolean stopped() {
            return stoppedBy != null;
        }
    }

    /** Run-config fields that do not change what is trained: a run may resume with other values. */
    private static final Set<String> IGNORED =
            Set.of("name", "solver.device", "data.num_workers", "data.prefetch_batches");
    /** Recipe fields the pretrainer sets itself or that do not change what is trained. */
    private static final Set<String> PRETRAIN_IGNORED =
            Set.of("backbone.num_classes", "num_workers", "prefetch_batches");

    private final ComparisonConfig config;
    private final Path dir;
    private final RunConfig base;
    private final List<Run> runs;
    private final List<Listener> listeners = new ArrayList<>();
    private final Object pretrainLock = new Object();
    private StopRequest stop = new StopRequest();
    private boolean retrain;
    private int runsAtATime = 1;
    private PrintStream log = System.err;
    private SharedInitialization initialization;

    /**
     * Plans the runs; nothing is trained or written yet.
     *
     * @param config the comparison
     * @param dir its folder
     * @throws IllegalArgumentException when the base run config loads weights that fit one
     *     architecture only
     */
    public Comparison(ComparisonConfig config, Path dir) {
        this.config = config;
        this.dir = dir;
        this.base = config.baseRun();
        if (base.backboneWeights() != null || base.weights() != null) {
            throw new IllegalArgumentException("comparison " + config.name() + ": its base run config " + config.base()
                    + " loads " + (base.weights() != null ? "detector weights (weights)" : "backbone_weights")
                    + ", which fit one architecture only; remove them, or let the comparison pretrain each backbone "
                    + "(\"pretrain\")");
        }
        List<Run> planned = new ArrayList<>();
        long[] seeds = config.seedValues();
        for (int k = 0; k < seeds.length; k++) {
            for (BackboneSpec b : config.backbones()) {
                RunConfig c = base.withModel(base.model().withBackbone(b))
                        .withSolver(base.solver().withSeed(seeds[k]))
                        .withName(config.name() + "_" + b.name() + "_seed" + seeds[k]);
                if (config.pretrain() != null) {
                    c = new RunConfig(
                            c.name(),
                            c.model(),
                            c.solver(),
                            c.data(),
                            pretrainFolder(b, seeds[k])
                                    .resolve(PretrainTrainer.WEIGHTS_FILE)
                                    .toString(),
                            null);
                }
                planned.add(new Run(
                        planned.size(), k, seeds[k], b, c, dir.resolve(b.name()).resolve("seed_" + seeds[k])));
            }
        }
        this.runs = List.copyOf(planned);
    }

    /** @return the comparison */
    public ComparisonConfig config() {
        return config;
    }

    /** @return its folder */
    public Path dir() {
        return dir;
    }

    /** @return the planned runs, seed-major */
    public List<Run> runs() {
        return runs;
    }

    /** @return the backbones' complexity, checked against the first */
    public ComplexityCheck complexity() {
        return ComplexityCheck.of(config.backbones(), config.macsInputSize());
    }

    /**
     * Builds and initializes each backbone's detector once, at the first seed (nothing trained), to
     * see which parameters outside the backbone cannot start identical in every arm.
     *
     * @return the parameters outside the backbone that start identical, and those that cannot
     */
    public synchronized SharedInitialization initialization() {
        if (initialization == null) {
            initialization = SharedInitialization.of(
                    base.model(), config.backbones(), runs.get(0).seed());
        }
        return initialization;
    }

    /** @param request polled between runs and between iterations */
    public Comparison setStopRequest(StopRequest request) {
        stop = request;
        return this;
    }

    /** The request that stops this comparison, its time estimate included. */
    StopRequest stopRequest() {
        return stop;
    }

    /** @param on train every run again from scratch, deleting what its folder holds */
    public Comparison setRetrain(boolean on) {
        retrain = on;
        return this;
    }

    /**
     * @param n how many runs train at the same time (default 1). On a CPU, give each of them its
     *     share of the cores through the engine's thread count ({@code ai.djl.pytorch.num_threads}
     *     before the engine starts): a run then gives the same numbers whatever runs beside it.
     *     With more than one, listeners are called from the runs' threads.
     */
    public Comparison setRunsAtATime(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("runs at a time must be at least 1, got " + n);
        }
        runsAtATime = n;
        return this;
    }

    /** @return how many runs train at the same time */
    public int runsAtATime() {
        return runsAtATime;
    }

    /** @param listener told about each run */
    public Comparison addListener(Listener listener) {
        listeners.add(listener);
        return this;
    }

    /** @param messages where messages go (dataset generation, pretraining epochs, warnings) */
    public Comparison setLog(PrintStream messages) {
        log = messages;
        return this;
    }

    /**
     * @param run a planned run
     * @param status its {@link #status}
     * @return the iteration its training continues from (0 unless it was interrupted)
     * @throws IOException if its checkpoint cannot be read
     */
    static int startIteration(Run run, Status status) throws IOException {
        if (status != Status.PARTIAL) {
            return 0;
        }
        return Checkpoint.readState(
                        Checkpoint.latest(run.dir().resolve("checkpoints")).orElseThrow())
                .iteration();
    }

    /**
     * @param run a planned run
     * @return where it stands ({@link #setRetrain retrain} aside)
     * @throws IllegalArgumentException when its folder holds a run of another config
     * @throws IOException if the folder cannot be read
     */
    public Status status(Run run) throws IOException {
        JsonObject expected = run.config().toJson();
        if (Files.isRegularFile(run.resultFile())) {
            String diff = JsonDifference.first(RunResult.read(run.resultFile()).config(), expected, "", IGNORED);
            if (diff != null) {
                throw new IllegalArgumentException(run.dir() + " holds a finished run of another config (" + diff
                        + "): pass --retrain to train it again, or --output DIR for a new comparison");
            }
            return Status.FINISHED;
        }
        Optional<Path> checkpoint = Checkpoint.latest(run.dir().resolve("checkpoints"));
        if (checkpoint.isPresent()) {
            String diff =
                    JsonDifference.first(Checkpoint.readState(checkpoint.get()).config(), expected, "", IGNORED);
            if (diff != null) {
                throw new IllegalArgumentException(run.dir() + " holds an interrupted run of another config (" + diff
                        + "): pass --retrain to train it again, or --output DIR for a new comparison");
            }
            return Status.PARTIAL;
        }
        return Status.TODO;
    }

    /**
     * Checks the data (generating the embedded dataset on first use): a comparison needs the
     * train split, and the val split it is judged on.
     *
     * @throws IOException if the embedded dataset cannot be written
     */
    public void prepareData() throws IOException {
        EmbeddedDataset.ensure(Path.of(base.data().root()), log);
        base.data().checkTrainSplit();
        if (!Files.isRegularFile(base.data().valAnnotationsPath())
                || !Files.isDirectory(base.data().valImagesPath())) {
            throw new IllegalArgumentException("a comparison is judged on the val split, which is missing: "
                    + base.data().valAnnotationsPath() + " and " + base.data().valImagesPath()
                    + " must exist (data root '" + base.data().root() + "')");
        }
    }

    /**
     * Runs what is left of the comparison and writes the report.
     *
     * @return the finished runs and the report
     * @throws IOException on unreadable data or an unwritable folder
     */
    public Outcome run() throws IOException {
        prepareData();
        Files.createDirectories(dir);
        AtomicFiles.writeString(dir.resolve("comparison.json"), JsonFiles.pretty(config.toJson()) + "\n");
        if (retrain) {
            // all at once, before anything trains: a comparison stopped early and continued
            // without --retrain must not find the previous comparison's runs in the later folders
            Set<Path> cleared = new HashSet<>();
            for (Run run : runs) {
                clear(run, cleared);
            }
        }
        StopRequest runsStop = stop.child();
        RunResult[] finished = new RunResult[runs.size()];
        List<SideBySide.Task> tasks = new ArrayList<>();
        for (Run run : runs) {
            tasks.add(() -> finished[run.index()] = runOne(run, runsStop));
        }
        SideBySide.run(
                tasks,
                runsAtATime,
                runsStop,
                runs.stream().map(r -> r.config().name()).toList());
        List<RunResult> results = new ArrayList<>();
        for (RunResult r : finished) {
            if (r != null) {
                results.add(r);
            }
        }
        String stoppedBy = results.size() < runs.size() ? runsStop.reason() : null;
        Findings findings = findings(results);
        return new Outcome(
                List.copyOf(results), runs.size(), stoppedBy, writeReport(findings, results.size()), findings);
    }

    /**
     * Reuses, resumes or trains one run (and pretrains its backbone first when configured).
     *
     * @return its result, or null when a stop request ended it (or came before it started)
     */
    private RunResult runOne(Run run, StopRequest runStop) throws IOException {
        if (runStop.isRequested()) {
            return null;
        }
        Status status = status(run);
        listeners.forEach(l -> l.runStarting(run, status));
        if (status == Status.FINISHED) {
            RunResult r = RunResult.read(run.resultFile());
            listeners.forEach(l -> l.runFinished(run, r, true));
            return r;
        }
        if (config.pretrain() != null) {
            // one pretraining at a time: backbones of several seeds may share one, and it uses
            // every thread the engine has
            synchronized (pretrainLock) {
                pretrain(run, runStop);
            }
            if (runStop.isRequested()) {
                return null;
            }
        }
        int start = startIteration(run, status);
        TrainingRun training =
                new TrainingRun(run.config(), run.dir()).setStopRequest(runStop).setLog(log);
        for (Listener l : listeners) {
            TrainingListener t = l.trainingListener(run);
            if (t != null) {
                training.addListener(t);
            }
        }
        TrainingRun.Result trained = training.train(status == Status.PARTIAL);
        if (trained.summary().stopped()) {
            return null;
        }
        RunResult r = RunResult.of(run, trained, start);
        r.write(run.resultFile());
        listeners.forEach(l -> l.runFinished(run, r, false));
        return r;
    }

    /**
     * @param results finished runs of this comparison
     * @return their statistics
     */
    public Findings findings(List<RunResult> results) {
        return new Findings(config.backbones().stream().map(BackboneSpec::name).toList(), results);
    }

    private Path writeReport(Findings findings, int done) throws IOException {
        List<ComparisonReport.Curve> curves = new ArrayList<>();
        for (Run run : runs) {
            if (findings.result(run.backbone().name(), run.seed()) != null) {
                curves.add(new ComparisonReport.Curve(
                        run.backbone().name(),
                        run.seed(),
                        TrainingHistory.read(run.dir().resolve("metrics.jsonl"))));
            }
        }
        return ComparisonReport.write(
                dir,
                ComparisonReport.Setup.of(config, base, done, runs.size()),
                complexity(),
                initialization(),
                findings,
                curves);
    }

    private Path pretrainFolder(BackboneSpec b, long seed) {
        Path backbone = dir.resolve(b.name());
        return config.pretrain().perSeed()
                ? backbone.resolve("seed_" + seed).resolve("pretrain")
                : backbone.resolve("pretrain");
    }

    /** Pretrains a run's backbone unless a finished pretraining of the same recipe is there. */
    private void pretrain(Run run, StopRequest runStop) throws IOException {
        Pretraining p = config.pretrain();
        PretrainConfig recipe = p.recipeFor(run.backbone(), run.seed());
        Path folder = pretrainFolder(run.backbone(), run.seed());
        Path configFile = folder.resolve("config.json");
        if (Files.isRegularFile(configFile)) {
            // read back through the recipe's binder: a folder written before a field was renamed
            // holds the earlier name, which reads as the current one
            JsonObject found = PretrainConfig.fromJson(
                            JsonFiles.readObject(configFile), ConfigPath.root(configFile.toString()))
                    .toJson();
            String diff = JsonDifference.first(found, recipe.toJson(), "", PRETRAIN_IGNORED);
            if (diff != null) {
                throw new IllegalArgumentException(folder + " holds a pretraining of another recipe (" + diff
                        + "): pass --retrain to train it again, or --output DIR for a new comparison");
            }
        }
        Path images = p.imagesFolder(recipe, dir);
        if (Files.isRegularFile(folder.resolve(PretrainTrainer.WEIGHTS_FILE))) {
            listeners.forEach(l -> l.pretraining(run, folder, Status.FINISHED));
            return;
        }
        boolean resume = Files.isDirectory(folder.resolve("checkpoints"));
        listeners.forEach(l -> l.pretraining(run, folder, resume ? Status.PARTIAL : Status.TODO));
        ai.djl.Device device = DeviceSelection.resolve(run.config().solver().device())[0];
        // resume = true also starts afresh when no checkpoint was written yet
        new PretrainTrainer(
                        recipe,
                        images,
                        folder,
                        device,
                        line -> log.println(run.backbone().name() + " seed " + run.seed() + " pretraining: " + line))
                .optProgressBar(false)
                .optStopRequest(runStop)
                .run(true);
    }

    private void clear(Run run, Set<Path> cleared) throws IOException {
        Set<Path> folders = new LinkedHashSet<>(List.of(run.dir()));
        if (config.pretrain() != null) {
            folders.add(pretrainFolder(run.backbone(), run.seed()));
        }
        for (Path f : folders) {
            if (cleared.add(f.toAbsolutePath().normalize())) {
                AtomicFiles.deleteTree(f);
            }
        }
    }
}
