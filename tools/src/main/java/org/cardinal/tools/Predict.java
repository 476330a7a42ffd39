package org.cardinal.tools;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.BoundingBox;
import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.repository.zoo.ZooModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.cardinal.backbone.image.ImageDecoder;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.cli.ToolOptions;
import org.cardinal.core.io.AtomicFiles;
import org.cardinal.detector.results.CocoCategories;
import org.cardinal.detector.results.CocoDetection;
import org.cardinal.detector.results.CocoResultsWriter;
import org.cardinal.detector.results.ImageIds;
import org.cardinal.detector.zoo.DetectorArtifact;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tools/predict}: runs a model artifact on images and writes COCO results JSON plus
 * copies of the images with boxes and labels drawn.
 */
public final class Predict {

    /** The options of {@code tools/predict}. */
    @Command(
            name = "tools/predict",
            description = {
                "Detects objects and writes DIR/detections.json (COCO results: image_id, file_name, category_id,"
                        + " bbox [x, y, w, h], score; image_id is the number the file name ends with, else its"
                        + " position) and DIR/<file name>.png (a.jpg -> a.jpg.png) with the detections scoring at"
                        + " least --threshold drawn."
            })
    static final class Options extends ToolOptions {
        @Option(
                names = "--model",
                required = true,
                paramLabel = "ARTIFACT_DIR|RUN_DIR|URL|ID",
                description = "the model: an artifact folder, a run folder, a URL or a zoo id")
        String model;

        @Option(
                names = "--image",
                required = true,
                paramLabel = "FILE_OR_DIR",
                description = "an image, or a folder: its .png, .jpg, .jpeg, .bmp, .gif, .tif and .tiff files")
        Path image;

        @Option(
                names = "--output",
                paramLabel = "DIR",
                description = "default runs/predict/<model id>; not the folder of the images")
        Path output;

        @Option(names = "--threshold", paramLabel = "SCORE", description = "the lowest score drawn (default 0.5)")
        double threshold = 0.5;

        @Option(names = "--device", paramLabel = "cpu|gpu|gpu:N", description = "where the model runs")
        String device;
    }

    private Predict() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(new Options(), argv, options -> run(options, System.out));
    }

    /** One image's detections, kept for detections.json. */
    private record ImageDetections(long imageId, String fileName, List<CocoDetection> detections) {}

    static Path run(Options args, PrintStream out) throws Exception {
        String model = args.model;
        Path input = args.image;
        Path output = args.output;
        double threshold = args.threshold;
        String device = args.device;
        List<Path> images = listImages(input);
        ModelSource.Resolved source = ModelSource.resolve(model, device);
        DetectorArtifact artifact = source.artifact();
        Path outDir = output != null ? output : Path.of("runs", "predict", artifact.id());
        checkOutput(input, outDir);
        long[] ids = new long[images.size()];
        for (int n = 0; n < ids.length; n++) {
            ids[n] = ImageIds.of(images.get(n).getFileName().toString(), n + 1);
        }
        for (String w : ImageIds.repeated(images.stream().map(Path::toString).toList(), ids)) {
            out.println("warning: " + w);
        }
        Files.createDirectories(outDir);

        CocoCategories categories = new CocoCategories(artifact);
        List<ImageDetections> results = new ArrayList<>();
        long begin = System.nanoTime();
        try (ZooModel<Image, DetectedObjects> zoo = source.load();
                Predictor<Image, DetectedObjects> predictor = zoo.newPredictor()) {
            for (int n = 0; n < images.size(); n++) {
                Path file = images.get(n);
                Image image = ImageDecoder.readImage(file);
                DetectedObjects dets = predictor.predict(image);
                String fileName = file.getFileName().toString();
                results.add(new ImageDetections(
                        ids[n], fileName, categories.detections(dets, image.getWidth(), image.getHeight())));
                List<String> names = new ArrayList<>();
                List<Double> probs = new ArrayList<>();
                List<BoundingBox> boxes = new ArrayList<>();
                for (DetectedObjects.DetectedObject d : dets.<DetectedObjects.DetectedObject>items()) {
                    if (d.getProbability() >= threshold) {
                        names.add(String.format(Locale.ROOT, "%s %.2f", d.getClassName(), d.getProbability()));
                        probs.add(d.getProbability());
                        boxes.add(d.getBoundingBox());
                    }
                }
                Image drawn = image.duplicate();
                drawn.drawBoundingBoxes(new DetectedObjects(names, probs, boxes));
                // the whole file name: a.jpg and a.png of one folder must not share an output
                Path target = outDir.resolve(fileName + ".png");
                AtomicFiles.write(target, os -> drawn.save(os, "png"));
                out.printf(
                        Locale.ROOT,
                        "%s: %d detections (%d >= %.2f) -> %s%n",
                        file,
                        dets.getNumberOfObjects(),
                        names.size(),
                        threshold,
                        target);
            }
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        Path json = outDir.resolve("detections.json");
        long[] count = new long[1];
        AtomicFiles.write(json, os -> {
            CocoResultsWriter writer = new CocoResultsWriter(os);
            for (ImageDetections r : results) {
                writer.add(r.imageId(), r.fileName(), r.detections());
            }
            writer.finish();
            count[0] = writer.count();
        });
        out.printf(
                Locale.ROOT,
                "%d images, %d detections in %.1f s (%.2f images/s, model load included) -> %s%n",
                images.size(),
                count[0],
                seconds,
                images.size() / seconds,
                json);
        return json;
    }

    /** The images of a file or folder (sorted by name); an error names the path when there are none. */
    static List<Path> listImages(Path input) throws IOException {
        if (Files.isRegularFile(input)) {
            return List.of(input);
        }
        if (!Files.isDirectory(input)) {
            throw new IllegalArgumentException("--image " + input + ": no such file or folder");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(input)) {
            files = s.filter(Files::isRegularFile)
                    .filter(p -> ImageDecoder.isImageFile(p.getFileName().toString()))
                    .sorted()
                    .toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("--image " + input + ": no image files ("
                    + String.join(", ", ImageDecoder.FILE_SUFFIXES) + ") in the folder");
        }
        return files;
    }

    /** The drawn images and detections.json go beside the originals only if they cannot replace one. */
    static void checkOutput(Path input, Path outDir) throws IOException {
        Path folder = Files.isDirectory(input) ? input : input.toAbsolutePath().getParent();
        boolean same = Files.isDirectory(outDir)
                ? Files.isSameFile(folder, outDir)
                : folder.toAbsolutePath()
                        .normalize()
                        .equals(outDir.toAbsolutePath().normalize());
        if (same) {
            throw new IllegalArgumentException("--output " + outDir + " is the folder of the images (--image " + input
                    + "): its files would be overwritten; choose another folder");
        }
    }
}
