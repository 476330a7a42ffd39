package org.cardinal.tools;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.repository.zoo.ZooModel;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.cardinal.coco.CocoEvalResult;
import org.cardinal.coco.CocoEvaluator;
import org.cardinal.coco.CocoFormatException;
import org.cardinal.coco.CocoGroundTruth;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.cli.ToolOptions;
import org.cardinal.core.io.AtomicFiles;
import org.cardinal.detector.data.CocoDetectionDataset;
import org.cardinal.detector.results.CocoCategories;
import org.cardinal.detector.results.CocoDetection;
import org.cardinal.detector.results.CocoResultsWriter;
import org.cardinal.detector.zoo.DetectorArtifact;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tools/evaluate}: COCO bbox evaluation of a model artifact on a dataset split, with
 * coco-eval (pycocotools' numbers).
 */
public final class Evaluate {

    /** The options of {@code tools/evaluate}. */
    @Command(
            name = "tools/evaluate",
            description = {
                "Runs the model on every image of the split and prints pycocotools' 12-line summary and the"
                        + " per-category AP. Split layout under --data: annotations/instances_<split>.json and"
                        + " <split>/ (default split: val2017, else val). --annotations/--images name the files"
                        + " directly. Writes DIR/detections.json (COCO results) and DIR/eval.json (stats,"
                        + " per-category AP)."
            })
    static final class Options extends ToolOptions {
        @Option(
                names = "--model",
                required = true,
                paramLabel = "ARTIFACT_DIR|RUN_DIR|URL|ID",
                description = "the model: an artifact folder, a run folder, a URL or a zoo id")
        String model;

        @Option(names = "--data", paramLabel = "DIR", description = "the dataset root (COCO layout)")
        Path data;

        @Option(
                names = "--split",
                paramLabel = "NAME",
                description = "the split under --data (default val2017, else val)")
        String split;

        @Option(names = "--annotations", paramLabel = "FILE", description = "the instances file, with --images")
        Path annotations;

        @Option(names = "--images", paramLabel = "DIR", description = "the images folder, with --annotations")
        Path images;

        @Option(names = "--output", paramLabel = "DIR", description = "default runs/evaluate/<model id>")
        Path output;

        @Option(names = "--device", paramLabel = "cpu|gpu|gpu:N", description = "where the model runs")
        String device;
    }

    private Evaluate() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(new Options(), argv, options -> run(options, System.out));
    }

    static CocoEvalResult run(Options args, PrintStream out) throws Exception {
        String model = args.model;
        Path data = args.data;
        String split = args.split;
        Path annotations = args.annotations;
        Path imageDir = args.images;
        Path output = args.output;
        String device = args.device;
        if (annotations == null || imageDir == null) {
            if (data == null) {
                throw new IllegalArgumentException("give --data DIR (or both --annotations FILE and --images DIR)");
            }
            if (!Files.isDirectory(data)) {
                throw new IllegalArgumentException("--data " + data + ": no such folder");
            }
            if (split == null) {
                split = Files.isRegularFile(data.resolve("annotations/instances_val2017.json")) ? "val2017" : "val";
            }
            annotations = annotations != null
                    ? annotations
                    : data.resolve("annotations").resolve("instances_" + split + ".json");
            imageDir = imageDir != null ? imageDir : data.resolve(split);
        }
        if (!Files.isRegularFile(annotations)) {
            throw new IllegalArgumentException("dataset not found: " + annotations + " does not exist (expected "
                    + "<data>/annotations/instances_<split>.json)");
        }
        if (!Files.isDirectory(imageDir)) {
            throw new IllegalArgumentException("dataset not found: image folder " + imageDir + " does not exist");
        }
        CocoGroundTruth gt;
        try {
            gt = CocoGroundTruth.read(annotations);
        } catch (CocoFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        CocoDetectionDataset dataset =
                CocoDetectionDataset.load(annotations, imageDir, new CocoDetectionDataset.Options(true));
        ModelSource.Resolved source = ModelSource.resolve(model, device);
        DetectorArtifact artifact = source.artifact();
        CocoCategories categories = new CocoCategories(artifact);
        Path outDir = output != null ? output : Path.of("runs", "evaluate", artifact.id());
        Files.createDirectories(outDir);

        CocoEvaluator evaluator = new CocoEvaluator(gt);
        List<List<CocoDetection>> detections = new ArrayList<>();
        long begin = System.nanoTime();
        try (ZooModel<Image, DetectedObjects> zoo = source.load();
                Predictor<Image, DetectedObjects> predictor = zoo.newPredictor()) {
            for (int i = 0; i < dataset.size(); i++) {
                Image image = dataset.readImage(i); // the annotations' frame, as in training
                List<CocoDetection> dets =
                        categories.detections(predictor.predict(image), image.getWidth(), image.getHeight());
                detections.add(dets);
                evaluator.add(
                        dataset.entry(i).id(),
                        dets.stream().map(CocoDetection::toScoredBox).toList());
            }
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        CocoEvalResult result = evaluator.evaluate();
        out.printf(
                Locale.ROOT,
                "%s on %s: %d images, %d detections, %.1f s (%.2f images/s)%n",
                artifact.id(),
                annotations,
                dataset.size(),
                evaluator.numDetections(),
                seconds,
                dataset.size() / seconds);
        for (String w : result.warnings()) {
            out.println("warning: " + w);
        }
        out.print(result.summaryText());
        out.print(CocoEvalResult.perCategoryTable(result.params(), result.perCategoryAp(), dataset.categoryNames()));
        AtomicFiles.write(outDir.resolve("detections.json"), os -> {
            CocoResultsWriter writer = new CocoResultsWriter(os);
            for (int i = 0; i < dataset.size(); i++) {
                CocoDetectionDataset.ImageEntry e = dataset.entry(i);
                writer.add(e.id(), e.fileName(), detections.get(i));
            }
            writer.finish();
        });
        AtomicFiles.writeString(outDir.resolve("eval.json"), result.toJson() + "\n");
        out.println("wrote " + outDir.resolve("detections.json") + " and " + outDir.resolve("eval.json"));
        return result;
    }
}
