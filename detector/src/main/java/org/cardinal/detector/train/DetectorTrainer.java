package org.cardinal.detector.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.cardinal.backbone.train.MomentumSgd;
import org.cardinal.detector.data.CocoDetectionDataset;
import org.cardinal.detector.data.DetectionBatch;
import org.cardinal.detector.data.DetectionSample;
import org.cardinal.detector.data.PrefetchingLoader;

/**
 * Trains a detector as described by a {@link RunConfig}: SGD with momentum and weight decay
 * ({@link MomentumSgd}) on detectron2's warmup + multi-step schedule
 * ({@link WarmupMultiStepTracker}), optional gradient-norm clipping, atomic checkpoints every
 * {@code checkpoint_period} iterations and at the end, exact resume, a NaN/Inf guard, COCO
 * evaluation on the val split every {@code eval_period} iterations and at the end, and a metrics
 * log; {@link TrainingListener}s see every iteration.
 *
 * <p>Run folder: {@code config.json} (resolved config), {@code metrics.jsonl},
 * {@code checkpoints/iter_NNNNNNN/} and {@code checkpoints/last} (see {@link Checkpoint}).
 *
 * <p>Devices: with several devices the batch is split across them; DJL's
 * {@link ParameterStore} with a parameter server replicates the parameters on every device (as
 * DJL's {@code Trainer} does), each device's loss is scaled by 1/D, and the gradients are summed
 * on the first device and applied to every replica. DJL's {@code Trainer} itself is not used
 * because it hides its parameter store, which {@code FasterRcnn.losses} takes as an argument,
 * and it cannot clip the global gradient norm before the update.
 *
 * <p>Memory: every iteration runs in its own sub-manager (inputs, activations, losses) and in an
 * {@link NDScope} that frees every array created during it, whatever manager it was attached
 * to; persistent state (replicas, momentum buffers) is created once before the first iteration,
 * so native memory is flat. Model code must therefore not keep NDArrays created during an
 * iteration across iterations (host-side caches are fine).
 */
public final class DetectorTrainer {

    private final RunConfig config;
    private final Path runDir;
    private final TrainableDetector model;
    private final Device[] devices;
    private final List<TrainingListener> listeners = new ArrayList<>();

    /**
     * @param config the run (model part must describe {@code model})
     * @param runDir output folder (created if absent)
     * @param model the detector, its parameters initialized on the first device
     * @param devices devices to train on (first = where the parameters live)
     */
    public DetectorTrainer(
            RunConfig config, Path runDir, TrainableDetector model, Device[] devices) {
        if (devices.length == 0) {
            throw new IllegalArgumentException("no device to train on");
        }
        if (config.solver().imsPerBatch() < devices.length) {
            throw new IllegalArgumentException(
                    "field 'ims_per_batch': expected at least one image per device ("
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
                        "parameter " + p.getKey() + " is on " + on + " but training starts on "
                                + devices[0]);
            }
        }
    }

    /** Devices from the solver's {@code device} option. */
    public DetectorTrainer(RunConfig config, Path runDir, TrainableDetector model) {
        this(config, runDir, model, DeviceSelection.resolve(config.solver().device()));
    }

    /**
     * The devices a run config asks for ({@code solver.device}); build the model on the first.
     */
    public static Device[] devices(RunConfig config) {
        return DeviceSelection.resolve(config.solver().device());
    }

    /** Adds a listener (progress bar, plots); listeners are called in the order added. */
    public DetectorTrainer addListener(TrainingListener listener) {
        listeners.add(listener);
        return this;
    }

    /** The run folder. */
    public Path runDir() {
        return runDir;
    }

    /** The checkpoints folder of the run. */
    public Path checkpointsDir() {
        return runDir.resolve("checkpoints");
    }

    /**
     * Runs training to {@code max_iter}.
     *
     * @param resume continue from the newest checkpoint of the run folder (from scratch if it has
     *     none)
     * @return the summary with the final evaluation
     * @throws IOException on unreadable data or an unwritable run folder (file named)
     * @throws NonFiniteLossException when a loss becomes NaN/Inf (last good checkpoint kept)
     */
    public TrainingSummary train(boolean resume) throws IOException {
        SolverConfig solver = config.solver();
        DataConfig data = config.data();
        CocoDetectionDataset trainSet =
                CocoDetectionDataset.load(
                        data.trainAnnotationsPath(),
                        data.trainImagesPath(),
                        new CocoDetectionDataset.Options(data.keepEmptyImages()));
        if (trainSet.size() == 0) {
            throw new IllegalArgumentException(
                    data.trainAnnotationsPath() + ": no training images");
        }
        checkClasses(trainSet);
        ValidationEvaluator validation = null;
        if (Files.exists(data.valAnnotationsPath()) || Files.exists(data.valImagesPath())) {
            CocoDetectionDataset valSet =
                    CocoDetectionDataset.load(
                            data.valAnnotationsPath(),
                            data.valImagesPath(),
                            CocoDetectionDataset.Options.defaults());
            validation = new ValidationEvaluator(valSet);
        }
        Files.createDirectories(runDir);
        Path checkpoints = checkpointsDir();

        int start = 0;
        Optional<Path> resumeFrom = resume ? Checkpoint.latest(checkpoints) : Optional.empty();
        Checkpoint.State resumed = null;
        if (resumeFrom.isPresent()) {
            resumed = Checkpoint.readState(resumeFrom.get());
            checkResumable(resumed, resumeFrom.get());
            start = resumed.iteration();
        }
        writeConfig();

        WarmupMultiStepTracker schedule = WarmupMultiStepTracker.of(solver);
        MomentumSgd optimizer =
                MomentumSgd.builder()
                        .setLearningRateTracker(schedule)
                        .optMomentum((float) solver.momentum())
                        .optWeightDecay((float) solver.weightDecay())
                        .build();

        if (resumeFrom.isPresent()) {
            Checkpoint.loadParameters(model.block(), resumeFrom.get());
        }

        try (NDManager trainManager = NDManager.newBaseManager(devices[0]);
                NDManager hostManager = NDManager.newBaseManager(Device.cpu());
                MetricsLogListener metricsLog =
                        new MetricsLogListener(runDir, solver.logPeriod(), start)) {
            ParameterStore store = new ParameterStore(trainManager, false);
            store.setParameterServer(new LocalParameterServer(optimizer), devices);
            ReplicatedParameters trainables =
                    new ReplicatedParameters(model.block(), store, devices, optimizer);
            if (resumeFrom.isPresent()) {
                trainables.restoreMomentum(resumeFrom.get(), hostManager);
            }
            List<TrainingListener> all = new ArrayList<>(listeners);
            all.add(0, metricsLog);
            Session session =
                    new Session(solver, trainables, store, optimizer, trainManager, all);
            for (TrainingListener l : all) {
                l.onStart(config, start, solver.maxIter());
            }
            return session.run(trainSet, validation, hostManager, start);
        }
    }

    private void checkClasses(CocoDetectionDataset trainSet) {
        int needed = trainSet.numClasses() + 1;
        if (config.model().numClasses() < needed) {
            throw new IllegalArgumentException(
                    "model field 'num_classes' is " + config.model().numClasses() + " but "
                            + trainSet.annotationFile() + " has " + trainSet.numClasses()
                            + " categories: expected at least " + needed
                            + " (categories + background)");
        }
    }

    private void checkResumable(Checkpoint.State state, Path dir) {
        if (!config.model().toJson().equals(state.config().getAsJsonObject("model"))) {
            throw new IllegalArgumentException(
                    "cannot resume from " + dir + ": its model config differs from the run's");
        }
        if (state.seed() != config.solver().seed()) {
            throw new IllegalArgumentException(
                    "cannot resume from " + dir + ": it was trained with seed " + state.seed()
                            + ", the config says " + config.solver().seed());
        }
        if (state.iteration() > config.solver().maxIter()) {
            throw new IllegalArgumentException(
                    "cannot resume from " + dir + ": it is at iteration " + state.iteration()
                            + ", beyond max_iter " + config.solver().maxIter());
        }
    }

    private void writeConfig() throws IOException {
        Path tmp = Files.createTempFile(runDir, ".config", ".tmp");
        Files.writeString(tmp, config.toJsonString() + "\n", StandardCharsets.UTF_8);
        Files.move(
                tmp,
                runDir.resolve("config.json"),
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    /** The state of one call to {@link #train}. */
    private final class Session {
        private final SolverConfig solver;
        private final ReplicatedParameters trainables;
        private final ParameterStore store;
        private final MomentumSgd optimizer;
        private final NDManager trainManager;
        private final List<TrainingListener> listeners;
        private int lastSaved = -1;

        Session(
                SolverConfig solver,
                ReplicatedParameters trainables,
                ParameterStore store,
                MomentumSgd optimizer,
                NDManager trainManager,
                List<TrainingListener> listeners) {
            this.solver = solver;
            this.trainables = trainables;
            this.store = store;
            this.optimizer = optimizer;
            this.trainManager = trainManager;
            this.listeners = listeners;
        }

        TrainingSummary run(
                CocoDetectionDataset trainSet,
                ValidationEvaluator validation,
                NDManager hostManager,
                int start)
                throws IOException {
            DataConfig data = config.data();
            int maxIter = solver.maxIter();
            long begin = System.nanoTime();
            double trainSeconds = 0;
            long images = 0;
            Path lastCheckpoint = null;
            EvalResult finalEval = null;
            try (PrefetchingLoader loader =
                    PrefetchingLoader.training(
                            trainSet,
                            hostManager,
                            solver.imsPerBatch(),
                            solver.seed(),
                            data.flipProb(),
                            start,
                            data.numWorkers(),
                            data.prefetchBatches())) {
                for (int it = start; it < maxIter; it++) {
                    long t0 = System.nanoTime();
                    Map<String, Double> losses;
                    int batchImages;
                    try (DetectionBatch batch = loader.next()) {
                        batchImages = batch.size();
                        losses = step(batch, it);
                    }
                    trainSeconds += (System.nanoTime() - t0) / 1e9;
                    images += batchImages;
                    int done = it + 1;
                    double total = losses.values().stream().mapToDouble(Double::doubleValue).sum();
                    double perIter = trainSeconds / (done - start);
                    IterationMetrics m =
                            new IterationMetrics(
                                    done,
                                    maxIter,
                                    losses,
                                    total,
                                    optimizer.learningRate(),
                                    images / trainSeconds,
                                    (System.nanoTime() - begin) / 1e9,
                                    perIter * (maxIter - done));
                    for (TrainingListener l : listeners) {
                        l.onIteration(m);
                    }
                    if (done % solver.checkpointPeriod() == 0 || done == maxIter) {
                        lastCheckpoint = save(done);
                    }
                    if (validation != null
                            && solver.evalPeriod() > 0
                            && done % solver.evalPeriod() == 0
                            && done != maxIter) {
                        evaluate(validation, hostManager, done);
                    }
                }
            }
            if (lastCheckpoint == null) {
                lastCheckpoint = save(maxIter); // resumed at max_iter: nothing new was trained
            }
            if (validation != null) {
                finalEval = evaluate(validation, hostManager, maxIter);
            }
            TrainingSummary summary =
                    new TrainingSummary(
                            maxIter,
                            maxIter - start,
                            (System.nanoTime() - begin) / 1e9,
                            trainSeconds > 0 ? images / trainSeconds : 0,
                            finalEval,
                            lastCheckpoint);
            for (TrainingListener l : listeners) {
                l.onEnd(summary);
            }
            return summary;
        }

        /** One SGD iteration; returns the loss terms averaged over devices. */
        private Map<String, Double> step(DetectionBatch batch, int iteration) {
            optimizer.setIteration(iteration);
            long iterationSeed = mix(solver.seed() * 0x9E3779B97F4A7C15L + iteration);
            model.setSeed(iterationSeed);
            Engine.getInstance().setRandomSeed((int) (iterationSeed ^ (iterationSeed >>> 32)));
            List<DetectionSample> samples = batch.samples();
            int numDevices = Math.min(devices.length, samples.size());
            Map<String, Double> values = new LinkedHashMap<>();
            // The sub-manager owns what this step creates from its inputs; the NDScope also frees
            // arrays that model code derives from parameters (attached to the parameters'
            // long-lived manager, e.g. a frozen BatchNorm's scale), which would otherwise pile
            // up there one set per iteration.
            try (NDScope arrays = new NDScope();
                    NDManager scope = trainManager.newSubManager()) {
                arrays.suppressNotUsedWarning();
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    for (int d = 0; d < numDevices; d++) {
                        int from = d * samples.size() / numDevices;
                        int to = (d + 1) * samples.size() / numDevices;
                        List<NDArray> images = new ArrayList<>();
                        List<NDArray> boxes = new ArrayList<>();
                        List<NDArray> labels = new ArrayList<>();
                        for (DetectionSample s : samples.subList(from, to)) {
                            images.add(onDevice(s.image(), devices[d], scope));
                            boxes.add(onDevice(s.boxes(), devices[d], scope));
                            labels.add(onDevice(s.labels(), devices[d], scope));
                        }
                        Map<String, NDArray> losses = model.losses(store, images, boxes, labels);
                        NDArray total = null;
                        for (Map.Entry<String, NDArray> e : losses.entrySet()) {
                            // deliberate host transfer: one scalar per loss term, for the log
                            // and the finiteness check before anything is updated
                            double v = e.getValue().toType(ai.djl.ndarray.types.DataType.FLOAT64,
                                    false).getDouble();
                            values.merge(e.getKey(), v / numDevices, Double::sum);
                            if (!Double.isFinite(v)) {
                                throw nonFinite(iteration + 1, e.getKey(), v);
                            }
                            total = total == null ? e.getValue() : total.add(e.getValue());
                        }
                        if (total == null) {
                            throw new IllegalStateException("the model returned no loss");
                        }
                        collector.backward(numDevices == 1 ? total : total.div(numDevices));
                    }
                }
                trainables.update(numDevices, solver.clipGradNorm());
            }
            return values;
        }

        private NDArray onDevice(NDArray a, Device device, NDManager scope) {
            if (a.getDevice().equals(device)) {
                return a;
            }
            NDArray copy = a.toDevice(device, true);
            copy.attach(scope);
            return copy;
        }

        private Path save(int iteration) throws IOException {
            if (iteration == lastSaved) {
                return checkpointsDir().resolve(Checkpoint.folderName(iteration));
            }
            Map<String, NDArray> momentum = trainables.momentumByName();
            Path dir =
                    Checkpoint.save(
                            checkpointsDir(),
                            new Checkpoint.State(
                                    iteration,
                                    optimizer.learningRate(),
                                    solver.seed(),
                                    config.toJson()),
                            model.block(),
                            momentum);
            lastSaved = iteration;
            for (TrainingListener l : listeners) {
                l.onCheckpoint(iteration, dir);
            }
            return dir;
        }

        private EvalResult evaluate(
                ValidationEvaluator validation, NDManager hostManager, int iteration)
                throws IOException {
            EvalResult r =
                    validation.evaluate(
                            model,
                            store,
                            devices[0],
                            hostManager,
                            Math.max(1, solver.imsPerBatch() / devices.length),
                            config.data().numWorkers(),
                            iteration);
            for (TrainingListener l : listeners) {
                l.onEvaluation(r);
            }
            return r;
        }

        private NonFiniteLossException nonFinite(int iteration, String term, double value) {
            String last;
            try {
                last = Checkpoint.latest(checkpointsDir()).map(Path::toString).orElse("none yet");
            } catch (IOException e) {
                last = "unknown (" + e.getMessage() + ")";
            }
            return new NonFiniteLossException(
                    iteration,
                    String.format(
                            Locale.ROOT,
                            "%s is %s at iteration %d (lr %.3g); training stopped without"
                                    + " applying it. Last good checkpoint: %s. Lower base_lr,"
                                    + " lengthen warmup_iters or set clip_grad_norm.",
                            term, value, iteration, optimizer.learningRate(), last));
        }
    }

    // SplitMix64 finalizer: per-iteration seeds that differ in every bit.
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
