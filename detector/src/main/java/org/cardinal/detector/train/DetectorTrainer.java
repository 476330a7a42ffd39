package org.cardinal.detector.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.cardinal.core.config.JsonDifference;
import org.cardinal.core.io.AtomicFiles;
import org.cardinal.core.train.Autograd;
import org.cardinal.core.train.MomentumSgd;
import org.cardinal.core.train.NonFiniteLossException;
import org.cardinal.core.train.StopRequest;
import org.cardinal.core.train.StoppedException;
import org.cardinal.detector.StageListener;
import org.cardinal.detector.TrainableDetector;
import org.cardinal.detector.data.CocoDetectionDataset;
import org.cardinal.detector.data.DetectionBatch;
import org.cardinal.detector.data.PrefetchingLoader;

/**
 * Trains a detector as described by a {@link RunConfig}: SGD with momentum and weight decay
 * ({@link MomentumSgd}) on detectron2's warmup + multi-step schedule
 * ({@link WarmupMultiStepTracker}), optional gradient-norm clipping, atomic checkpoints every
 * {@code checkpoint_period} iterations and at the end, exact resume, a NaN/Inf guard, COCO
 * evaluation on the val split every {@code eval_period} iterations and at the end, and a metrics
 * log; {@link TrainingListener}s see every iteration and a {@link StageListener} every stage.
 *
 * <p>Run folder: {@code config.json} (resolved config), {@code metrics.jsonl},
 * {@code checkpoints/iter_NNNNNNN/} and {@code checkpoints/last} (see {@link Checkpoint}).
 *
 * <p>Devices: with several devices, each runs a replica on its own thread ({@link
 * TrainingStep}); the per-device times go to the log. DJL's {@code Trainer} itself is not used
 * because it hides its parameter store, which {@code FasterRcnn.losses} takes as an argument, and
 * it cannot clip the global gradient norm before the update.
 *
 * <p>Stopping: a {@link StopRequest} (Ctrl-C, SIGTERM) ends the run after the current iteration
 * with a checkpoint of it, from which {@code train(true)} continues exactly; one during an
 * evaluation ends that evaluation between two batches (the checkpoint before it is kept, and the
 * evaluation is done again on resume when it was the final one).
 *
 * <p>Memory: every iteration runs in its own sub-manager and {@code NDScope}; persistent state
 * (replicas, momentum buffers) is created once before the first iteration, so native memory is
 * flat. Model code must therefore not keep NDArrays created during an iteration across
 * iterations (host-side caches are fine).
 */
public final class DetectorTrainer {

    /** Data fields that do not change what is trained: a resumed run may set them anew. */
    private static final Set<String> RESUME_MAY_CHANGE = Set.of("data.num_workers", "data.prefetch_batches");

    private final RunConfig config;
    private final Path runDir;
    private final TrainableDetector model;
    private final Device[] devices;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private StageListener stages = StageListener.NONE;
    private StopRequest stop = new StopRequest();
    private PrintStream log = System.err;

    /**
     * @param config the run (model part must describe {@code model})
     * @param runDir output folder (created if absent)
     * @param model the detector, its parameters initialized on the first device
     * @param devices devices to train on, one replica each (first = where the parameters live)
     */
    public DetectorTrainer(RunConfig config, Path runDir, TrainableDetector model, Device[] devices) {
        if (devices.length == 0) {
            throw new IllegalArgumentException("no device to train on");
        }
        if (config.solver().imsPerBatch() < devices.length) {
            throw new IllegalArgumentException("field 'solver.ims_per_batch': expected at least one image per device ("
                    + devices.length + " devices), found " + config.solver().imsPerBatch());
        }
        this.config = config;
        this.runDir = runDir;
        this.model = model;
        this.devices = devices.clone();
        for (Pair<String, Parameter> p : model.block().getParameters()) {
            Device on = p.getValue().getArray().getDevice();
            if (!on.equals(devices[0])) {
                throw new IllegalArgumentException(
                        "parameter " + p.getKey() + " is on " + on + " but training starts on " + devices[0]);
            }
        }
    }

    /** Devices from the solver's {@code device} option. */
    public DetectorTrainer(RunConfig config, Path runDir, TrainableDetector model) {
        this(config, runDir, model, devices(config));
    }

    /** @return the devices a run config asks for ({@code solver.device}); build the model on the first */
    public static Device[] devices(RunConfig config) {
        return DeviceSelection.resolve(config.solver().device());
    }

    /** Adds a listener (progress bar, plots); listeners are called in the order added. */
    public DetectorTrainer addListener(TrainingListener listener) {
        listeners.add(listener);
        return this;
    }

    /** @param listener told when each stage of every iteration starts and ends */
    public DetectorTrainer setStageListener(StageListener listener) {
        stages = listener;
        return this;
    }

    /** @param request polled between iterations; once requested, the run checkpoints and returns */
    public DetectorTrainer setStopRequest(StopRequest request) {
        stop = request;
        return this;
    }

    /** @param notices where notices about the run go (default: standard error) */
    public DetectorTrainer setLog(PrintStream notices) {
        log = notices;
        return this;
    }

    /** @return the checkpoints folder of the run */
    public Path checkpointsDir() {
        return runDir.resolve("checkpoints");
    }

    /**
     * Runs training to {@code max_iter}, or until a stop is requested.
     *
     * @param resume continue from the newest checkpoint of the run folder (from scratch if it has
     *     none)
     * @return the summary with the final evaluation (none when stopped early)
     * @throws IOException on unreadable data or an unwritable run folder (file named)
     * @throws NonFiniteLossException when a loss becomes NaN/Inf (last good checkpoint kept)
     */
    public TrainingSummary train(boolean resume) throws IOException {
        Autograd.offOnThisThread();
        SolverConfig solver = config.solver();
        DataConfig data = config.data();
        Optional<Path> resumeFrom = resume ? checkResumable(config, runDir) : Optional.empty();
        CocoDetectionDataset trainSet = CocoDetectionDataset.load(
                data.trainAnnotationsPath(),
                data.trainImagesPath(),
                new CocoDetectionDataset.Options(data.keepEmptyImages()));
        if (trainSet.size() == 0) {
            throw new IllegalArgumentException(data.trainAnnotationsPath() + ": no training images");
        }
        checkClasses(trainSet);
        ValidationEvaluator validation = null;
        if (Files.exists(data.valAnnotationsPath()) || Files.exists(data.valImagesPath())) {
            validation = new ValidationEvaluator(
                    CocoDetectionDataset.load(
                            data.valAnnotationsPath(), data.valImagesPath(), CocoDetectionDataset.Options.defaults()),
                    trainSet.categoryIds());
        }
        Files.createDirectories(runDir);
        int start = 0;
        if (resumeFrom.isPresent()) {
            start = Checkpoint.readState(resumeFrom.get()).iteration();
            Checkpoint.loadParameters(model.block(), resumeFrom.get());
        }
        AtomicFiles.writeString(runDir.resolve("config.json"), config.toJsonString() + "\n");

        try (MomentumSgd optimizer = MomentumSgd.builder()
                        .setLearningRateTracker(WarmupMultiStepTracker.of(solver))
                        .optMomentum((float) solver.momentum())
                        .optWeightDecay((float) solver.weightDecay())
                        .build();
                NDManager trainManager = NDManager.newBaseManager(devices[0]);
                NDManager hostManager = NDManager.newBaseManager(Device.cpu());
                TrainingStep step = new TrainingStep(model, devices, optimizer, solver.clipGradNorm());
                MetricsLogListener metricsLog = new MetricsLogListener(runDir, solver.logPeriod(), start)) {
            step.setStageListener(stages);
            if (step.notice() != null) {
                log.println(step.notice());
            }
            if (resumeFrom.isPresent()) {
                step.restore(resumeFrom.get(), hostManager);
            }
            List<TrainingListener> all = new ArrayList<>(listeners);
            all.add(0, metricsLog);
            for (TrainingListener l : all) {
                l.onStart(config, start, solver.maxIter());
            }
            return new Session(step, optimizer, trainManager, hostManager, all).run(trainSet, validation, start);
        } finally {
            model.setStageListener(StageListener.NONE);
        }
    }

    private static Map<Integer, String> categories(CocoDetectionDataset trainSet) {
        Map<Integer, String> names = trainSet.categoryNames();
        Map<Integer, String> out = new LinkedHashMap<>();
        for (int label = 1; label <= trainSet.numClasses(); label++) {
            int id = trainSet.categoryIdOf(label);
            out.put(id, names.getOrDefault(id, "class_" + id));
        }
        return out;
    }

    private void checkClasses(CocoDetectionDataset trainSet) {
        int needed = trainSet.numClasses() + 1;
        if (config.model().numClasses() < needed) {
            throw new IllegalArgumentException(
                    "field 'model.num_classes' is " + config.model().numClasses() + " but "
                            + trainSet.annotationFile() + " has " + trainSet.numClasses()
                            + " categories: expected at least " + needed + " (categories + background)");
        }
    }

    /**
     * Checks that a run folder's newest checkpoint can be resumed with {@code config}: same model,
     * same data (the loader settings aside), same seed, and an iteration not beyond
     * {@code max_iter}; the learning rate, the periods and the devices may change. Cheap: call it
     * before preparing data, so that a resume with other options fails at once.
     *
     * @param config the run config as it would resume
     * @param runDir the run folder
     * @return the checkpoint to resume from, or empty when the folder has none
     * @throws IllegalArgumentException naming the checkpoint and what differs
     * @throws IOException if the checkpoint's state cannot be read
     */
    public static Optional<Path> checkResumable(RunConfig config, Path runDir) throws IOException {
        Optional<Path> latest = Checkpoint.latest(runDir.resolve("checkpoints"));
        if (latest.isEmpty()) {
            return latest;
        }
        Path dir = latest.get();
        Checkpoint.State state = Checkpoint.readState(dir);
        if (!config.model().toJson().equals(state.config().getAsJsonObject("model"))) {
            throw new IllegalArgumentException(
                    "cannot resume from " + dir + ": its model config differs from the run's");
        }
        String data =
                JsonDifference.first(state.config().get("data"), config.data().toJson(), "data", RESUME_MAY_CHANGE);
        if (data != null) {
            throw new IllegalArgumentException("cannot resume from " + dir + ": it was trained on other data (" + data
                    + "); resume with the data the run was started with (its --data)");
        }
        if (state.seed() != config.solver().seed()) {
            throw new IllegalArgumentException("cannot resume from " + dir + ": it was trained with seed "
                    + state.seed() + ", the config says " + config.solver().seed());
        }
        if (state.iteration() > config.solver().maxIter()) {
            throw new IllegalArgumentException("cannot resume from " + dir + ": it is at iteration " + state.iteration()
                    + ", beyond max_iter " + config.solver().maxIter());
        }
        return latest;
    }

    /** The state of one call to {@link #train}. */
    private final class Session {
        private final TrainingStep step;
        private final MomentumSgd optimizer;
        private final NDManager trainManager;
        private final NDManager hostManager;
        private final List<TrainingListener> listeners;
        private int lastSaved = -1;
        private Path lastCheckpoint;

        Session(
                TrainingStep step,
                MomentumSgd optimizer,
                NDManager trainManager,
                NDManager hostManager,
                List<TrainingListener> listeners) {
            this.step = step;
            this.optimizer = optimizer;
            this.trainManager = trainManager;
            this.hostManager = hostManager;
            this.listeners = listeners;
        }

        TrainingSummary run(CocoDetectionDataset trainSet, ValidationEvaluator validation, int start)
                throws IOException {
            SolverConfig solver = config.solver();
            DataConfig data = config.data();
            int maxIter = solver.maxIter();
            long begin = System.nanoTime();
            double trainSeconds = 0;
            long images = 0;
            int done = start;
            String stoppedBy = null;
            try (PrefetchingLoader loader = PrefetchingLoader.training(
                    trainSet,
                    hostManager,
                    solver.imsPerBatch(),
                    solver.seed(),
                    data.flipProb(),
                    start,
                    data.numWorkers(),
                    data.prefetchBatches())) {
                for (int it = start; it < maxIter; it++) {
                    if (stop.isRequested()) {
                        stoppedBy = stop.reason();
                        break;
                    }
                    long t0 = System.nanoTime();
                    TrainingStep.Result r;
                    int batchImages;
                    DetectionBatch batch;
                    try (var s = stages.stage("data")) {
                        batch = loader.next();
                    }
                    try (batch) {
                        batchImages = batch.size();
                        r = step.run(batch.samples(), it, solver.seed(), trainManager);
                    } catch (NonFiniteLossException e) {
                        throw e.withContext(optimizer.learningRate(), lastCheckpoint());
                    }
                    trainSeconds += (System.nanoTime() - t0) / 1e9;
                    images += batchImages;
                    done = it + 1;
                    double total = r.losses().values().stream()
                            .mapToDouble(Double::doubleValue)
                            .sum();
                    double perIter = trainSeconds / (done - start);
                    IterationMetrics m = new IterationMetrics(
                            done,
                            maxIter,
                            r.losses(),
                            total,
                            optimizer.learningRate(),
                            images / trainSeconds,
                            (System.nanoTime() - begin) / 1e9,
                            perIter * (maxIter - done),
                            r.deviceSeconds());
                    for (TrainingListener l : listeners) {
                        l.onIteration(m);
                    }
                    if (done % solver.checkpointPeriod() == 0 || done == maxIter) {
                        save(done);
                    }
                    if (validation != null && done != maxIter && solver.evaluatesAfter(done)) {
                        try {
                            evaluate(validation, done);
                        } catch (StoppedException e) {
                            stoppedBy = stop.reason();
                            break;
                        }
                    }
                }
            }
            if (stoppedBy == null && stop.isRequested() && done < maxIter) {
                stoppedBy = stop.reason();
            }
            save(stoppedBy != null ? done : maxIter); // a stop, or a resume of a finished run
            EvalResult finalEval = null;
            if (validation != null && stoppedBy == null) {
                try {
                    finalEval = evaluate(validation, maxIter);
                } catch (StoppedException e) {
                    // the checkpoint at max_iter is saved: a resume evaluates and packages
                    stoppedBy = stop.reason();
                }
            }
            TrainingSummary summary = new TrainingSummary(
                    done,
                    done - start,
                    (System.nanoTime() - begin) / 1e9,
                    trainSeconds > 0 ? images / trainSeconds : 0,
                    finalEval,
                    lastCheckpoint,
                    stoppedBy,
                    categories(trainSet));
            for (TrainingListener l : listeners) {
                l.onEnd(summary);
            }
            return summary;
        }

        private Path lastCheckpoint() {
            if (lastCheckpoint != null) {
                return lastCheckpoint;
            }
            try {
                return Checkpoint.latest(checkpointsDir()).orElse(null);
            } catch (IOException e) {
                return null;
            }
        }

        private void save(int iteration) throws IOException {
            if (iteration == lastSaved) {
                return;
            }
            Map<String, NDArray> momentum = step.momentumByName();
            try (var s = stages.stage("checkpoint")) {
                lastCheckpoint = Checkpoint.save(
                        checkpointsDir(),
                        new Checkpoint.State(
                                iteration,
                                optimizer.learningRate(),
                                config.solver().seed(),
                                config.toJson()),
                        model.block(),
                        momentum);
            }
            lastSaved = iteration;
            for (TrainingListener l : listeners) {
                l.onCheckpoint(iteration, lastCheckpoint);
            }
        }

        private EvalResult evaluate(ValidationEvaluator validation, int iteration) throws IOException {
            EvalResult r;
            try (var s = stages.stage("evaluation")) {
                r = validation.evaluate(
                        model,
                        step.store(),
                        devices[0],
                        hostManager,
                        Math.max(1, config.solver().imsPerBatch() / devices.length),
                        config.data().numWorkers(),
                        iteration,
                        stop);
            }
            for (TrainingListener l : listeners) {
                l.onEvaluation(r);
            }
            return r;
        }
    }
}
