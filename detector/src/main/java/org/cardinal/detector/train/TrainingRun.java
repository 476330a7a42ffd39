package org.cardinal.detector.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.core.train.StopRequest;
import org.cardinal.detector.DetectorWeights;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.FasterRcnnFactory;
import org.cardinal.detector.StageListener;
import org.cardinal.detector.report.TrainingCurves;
import org.cardinal.detector.zoo.DetectorArtifact;

/**
 * One detector training run from a {@link RunConfig} into a run folder, end to end: builds the
 * Faster R-CNN (each part initialized from its own stream of the run seed, then the config's
 * {@code backbone_weights} and {@code weights} loaded), trains it with {@link DetectorTrainer},
 * draws the curves at every evaluation and at the end, and packages the trained model as a
 * model-zoo artifact in {@code <run>/model}. What {@code tools/train-detector} and each arm of
 * a backbone comparison run.
 */
public final class TrainingRun {

    /**
     * Outcome of a run.
     *
     * @param config the resolved config
     * @param runDir the run folder
     * @param summary the trainer's summary
     * @param artifact the packaged model, or null when the run was stopped before the end
     * @param detectorParams number of scalar parameters of the detector
     */
    public record Result(
            RunConfig config, Path runDir, TrainingSummary summary, DetectorArtifact artifact, long detectorParams) {}

    private final RunConfig config;
    private final Path runDir;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private StageListener stages = StageListener.NONE;
    private StopRequest stop = new StopRequest();
    private PrintStream log = System.err;

    /**
     * @param config the run
     * @param runDir its folder
     */
    public TrainingRun(RunConfig config, Path runDir) {
        this.config = config;
        this.runDir = runDir;
    }

    /**
     * Builds a run's detector on a device and initializes it: every parameter from its own stream
     * of the run seed (so that two runs with the same seed start equal in every part they share),
     * then the config's {@code backbone_weights} and {@code weights}.
     *
     * @param config the run
     * @param manager where the parameters live (its device is the first training device)
     * @return the detector
     * @throws IOException if a weights file cannot be read
     */
    public static FasterRcnn createModel(RunConfig config, NDManager manager) throws IOException {
        FasterRcnn model = FasterRcnnFactory.create(config.model());
        model.initialize(manager, DataType.FLOAT32, config.solver().seed());
        if (config.backboneWeights() != null) {
            DetectorWeights.loadBackbone(model, Path.of(config.backboneWeights()));
        }
        if (config.weights() != null) {
            DetectorWeights.loadTorchvision(model, Path.of(config.weights()), false);
        }
        return model;
    }

    /** @param listener also told about every iteration (after the metrics log) */
    public TrainingRun addListener(TrainingListener listener) {
        listeners.add(listener);
        return this;
    }

    /** @param listener told when each stage starts and ends */
    public TrainingRun setStageListener(StageListener listener) {
        stages = listener;
        return this;
    }

    /** @param request polled between iterations (Ctrl-C, SIGTERM) */
    public TrainingRun setStopRequest(StopRequest request) {
        stop = request;
        return this;
    }

    /** @param warnings where warnings and notices go (a chart that cannot be drawn, BatchNorm over replicas) */
    public TrainingRun setLog(PrintStream warnings) {
        log = warnings;
        return this;
    }

    /**
     * Trains (or resumes) and, unless stopped early, packages the model.
     *
     * @param resume continue from the run folder's newest checkpoint
     * @return the outcome
     * @throws IOException on unreadable data or an unwritable run folder
     * @throws IllegalArgumentException when the folder already holds checkpoints and {@code
     *     resume} is false, naming both ways out
     */
    public Result train(boolean resume) throws IOException {
        if (!resume && Checkpoint.latest(runDir.resolve("checkpoints")).isPresent()) {
            throw new IllegalArgumentException("run folder " + runDir + " already holds checkpoints: pass --resume to "
                    + "continue it, or --output DIR for a new run");
        }
        config.data().checkTrainSplit();
        Device[] devices = DetectorTrainer.devices(config);
        try (NDManager manager = NDManager.newBaseManager(devices[0])) {
            FasterRcnn model = createModel(config, manager);
            DetectorTrainer trainer = new DetectorTrainer(config, runDir, model, devices)
                    .setStageListener(stages)
                    .setStopRequest(stop)
                    .setLog(log);
            listeners.forEach(trainer::addListener);
            trainer.addListener(new TrainingListener() {
                @Override
                public void onEvaluation(EvalResult r) {
                    drawCurves();
                }
            });
            TrainingSummary summary = trainer.train(resume);
            drawCurves();
            long params = 0;
            for (Pair<String, Parameter> p : model.getParameters()) {
                params += p.getValue().getArray().size();
            }
            if (summary.stopped()) {
                return new Result(config, runDir, summary, null, params);
            }
            Checkpoint.loadParameters(model, summary.lastCheckpoint());
            return new Result(config, runDir, summary, packageModel(model, summary), params);
        }
    }

    /** Writes {@code <run>/model}: labels 1..K are the training set's categories in order. */
    private DetectorArtifact packageModel(FasterRcnn model, TrainingSummary summary) throws IOException {
        List<String> classNames = new ArrayList<>(summary.categories().values());
        List<Integer> ids = new ArrayList<>(summary.categories().keySet());
        int outputs = config.model().numClasses() - 1;
        int[] allIds = new int[outputs];
        for (int i = 0; i < outputs; i++) {
            // a model may have more outputs than the dataset has classes (e.g. 91 for COCO): those
            // get a negative id, which COCO evaluation ignores, and a placeholder name
            allIds[i] = i < ids.size() ? ids.get(i) : -(i + 1);
            if (i >= classNames.size()) {
                classNames.add("class_" + (i + 1));
            }
        }
        String description = config.name() + " trained on " + config.data().trainAnnotationsPath() + " for "
                + summary.iterations() + " iterations";
        return new DetectorArtifact(
                        config.name(),
                        description,
                        config.model(),
                        classNames,
                        allIds,
                        runDir.toAbsolutePath().toString(),
                        null)
                .write(runDir.resolve("model"), StateDicts.export(model));
    }

    private void drawCurves() {
        try {
            TrainingCurves.write(runDir);
        } catch (IOException | RuntimeException e) {
            // curves are a convenience: never let a plotting problem stop a long run
            log.println("warning: could not draw the curves in " + runDir + ": " + e.getMessage());
        }
    }
}
