package org.cardinal.tools;

import ai.djl.Device;
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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.data.CocoDetectionDataset;
import org.cardinal.detector.data.SyntheticCocoGenerator;
import org.cardinal.detector.report.TrainingCurves;
import org.cardinal.detector.train.Checkpoint;
import org.cardinal.detector.train.ConsoleProgressListener;
import org.cardinal.detector.train.DataConfig;
import org.cardinal.detector.train.DetectorTrainer;
import org.cardinal.detector.train.EvalResult;
import org.cardinal.detector.train.FasterRcnnDetector;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.train.TrainingListener;
import org.cardinal.detector.train.TrainingSummary;
import org.cardinal.detector.zoo.DetectorArtifact;

/**
 * The glue shared by {@code train-detector} and {@code compare-backbones}: applies the command
 * line to a {@link RunConfig}, provides the embedded dataset, checks the data before any model is
 * built, runs D3's {@link DetectorTrainer} with a progress bar and curves, and packages the
 * trained model as a zoo artifact ({@code <run>/model}).
 */
final class DetectorTraining {

    /** Where configs expect the embedded synthetic dataset; generated on first use. */
    static final Path EMBEDDED_DATA = Path.of("runs", "data", "synthetic");

    /** Outcome of one training run. */
    record Result(RunConfig config, Path runDir, TrainingSummary summary, DetectorArtifact artifact,
                  Map<Integer, String> categoryNames, long detectorParams) {}

    private DetectorTraining() {}

    /**
     * Applies {@code --data} and {@code --device} and makes sure the data exists.
     *
     * @param data the --data folder, or null for the config's own
     * @param device "cpu", "gpu" or null for the config's own
     * @param log where to say that the embedded dataset is being generated
     */
    static RunConfig prepare(RunConfig cfg, Path data, String device, PrintStream log) throws IOException {
        if (data != null) {
            if (!Files.isDirectory(data)) {
                throw new IllegalArgumentException("--data " + data + ": no such folder");
            }
            cfg = cfg.withDataRoot(data);
        }
        if (device != null) {
            String d = device.toLowerCase(Locale.ROOT);
            if (!d.equals("cpu") && !d.equals("gpu") && !d.startsWith("gpu:") && !d.equals("auto")) {
                throw new IllegalArgumentException("--device: expected cpu, gpu, gpu:0,1 or auto, found '" + device + "'");
            }
            cfg = cfg.withDevice(d);
        }
        if (Path.of(cfg.data().root()).normalize().equals(EMBEDDED_DATA)) {
            SyntheticCocoGenerator gen = new SyntheticCocoGenerator(SyntheticCocoGenerator.Options.defaults());
            if (!gen.isComplete(EMBEDDED_DATA)) {
                log.printf("generating the embedded dataset in %s (%d train / %d val images)...%n", EMBEDDED_DATA,
                        gen.options().trainImages(), gen.options().valImages());
                gen.ensure(EMBEDDED_DATA);
            }
        }
        checkData(cfg.data());
        return cfg;
    }

    /** Fails with one clear message when the training split is missing. */
    static void checkData(DataConfig d) {
        Path ann = d.trainAnnotationsPath();
        Path images = d.trainImagesPath();
        if (!Files.isRegularFile(ann) || !Files.isDirectory(images)) {
            Path missing = Files.isRegularFile(ann) ? images : ann;
            throw new IllegalArgumentException("dataset not found: " + missing + " does not exist (data root '"
                    + d.root() + "'; expected the COCO layout: <root>/" + d.trainImages() + "/, <root>/"
                    + d.trainAnnotations() + ", <root>/" + d.valImages() + "/, <root>/" + d.valAnnotations()
                    + "; pass --data DIR or set the config's data fields)");
        }
    }

    /**
     * Trains (or resumes) and exports the model artifact.
     *
     * @param progress where the progress bar goes (stderr)
     */
    static Result train(RunConfig cfg, Path runDir, boolean resume, PrintStream progress) throws IOException {
        if (!resume && Checkpoint.latest(runDir.resolve("checkpoints")).isPresent()) {
            throw new IllegalArgumentException("run folder " + runDir + " already holds checkpoints: pass --resume to "
                    + "continue it, or --output DIR for a new run");
        }
        CocoDetectionDataset train = CocoDetectionDataset.load(cfg.data().trainAnnotationsPath(),
                cfg.data().trainImagesPath(), CocoDetectionDataset.Options.defaults());
        Device[] devices = DetectorTrainer.devices(cfg);
        try (NDManager manager = NDManager.newBaseManager(devices[0])) {
            // seeded from the run seed: the same config gives the same initial weights, so backbones
            // compare under identical conditions; loads backbone_weights / weights when the config names them
            FasterRcnnDetector detector = FasterRcnnDetector.create(cfg, manager);
            FasterRcnn net = detector.model();
            DetectorTrainer trainer = new DetectorTrainer(cfg, runDir, detector, devices);
            int period = Math.max(1, cfg.solver().logPeriod());
            trainer.addListener(new ConsoleProgressListener(progress, System.console() != null, period));
            trainer.addListener(new TrainingListener() {
                @Override
                public void onEvaluation(EvalResult r) {
                    drawCurves(runDir, progress);
                }
            });
            TrainingSummary summary = trainer.train(resume);
            drawCurves(runDir, progress);
            Checkpoint.loadParameters(net, summary.lastCheckpoint());
            Map<Integer, String> names = train.categoryNames();
            List<String> classNames = new ArrayList<>();
            int[] ids = new int[train.numClasses()];
            for (int label = 1; label <= train.numClasses(); label++) {
                ids[label - 1] = train.categoryIdOf(label);
                classNames.add(names.getOrDefault(ids[label - 1], "class_" + ids[label - 1]));
            }
            // a model may have more outputs than the dataset has classes (e.g. 91 for COCO): name the rest
            for (int label = train.numClasses() + 1; label < cfg.model().numClasses(); label++) {
                classNames.add("class_" + label);
            }
            int[] allIds = new int[cfg.model().numClasses() - 1];
            for (int i = 0; i < allIds.length; i++) {
                // outputs no dataset category maps to: a negative id, which COCO evaluation ignores
                allIds[i] = i < ids.length ? ids[i] : -(i + 1);
            }
            DetectorArtifact artifact = new DetectorArtifact(cfg.name(),
                    cfg.name() + " trained on " + cfg.data().trainAnnotationsPath() + " for " + summary.iterations()
                            + " iterations", cfg.model(), classNames, allIds, runDir.toAbsolutePath().toString(), null)
                    .write(runDir.resolve("model"), StateDicts.export(net));
            long params = 0;
            for (Pair<String, Parameter> p : net.getParameters()) {
                params += p.getValue().getArray().size();
            }
            Map<Integer, String> byId = new LinkedHashMap<>();
            for (int i = 0; i < ids.length; i++) {
                byId.put(ids[i], classNames.get(i));
            }
            return new Result(cfg, runDir, summary, artifact, byId, params);
        }
    }

    private static void drawCurves(Path runDir, PrintStream log) {
        try {
            TrainingCurves.write(runDir);
        } catch (IOException | RuntimeException e) {
            // curves are a convenience: never let a plotting problem stop a long run
            log.println("warning: could not draw the curves in " + runDir + ": " + e.getMessage());
        }
    }

    /** The newest checkpoint of a run folder, if any. */
    static Optional<Path> latestCheckpoint(Path runDir) throws IOException {
        return Checkpoint.latest(runDir.resolve("checkpoints"));
    }
}
