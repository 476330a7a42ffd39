package org.cardinal.tools;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.BoundingBox;
import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.modality.cv.output.Rectangle;
import ai.djl.repository.zoo.ZooModel;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.cardinal.backbone.image.ImageDecoder;
import org.cardinal.core.io.AtomicFiles;
import org.cardinal.detector.zoo.DetectorArtifact;

/**
 * {@code tools/predict}: runs a model artifact on images and writes COCO results JSON plus
 * copies of the images with boxes and labels drawn.
 */
public final class Predict {

    static final String USAGE = String.join(
            "\n",
            "usage: tools/predict --model ARTIFACT_DIR|RUN_DIR|URL|ID --image FILE_OR_DIR [--output DIR]",
            "                     [--threshold 0.5] [--device cpu|gpu]",
            "Detects objects and writes DIR/detections.json (COCO results: image_id, category_id,",
            "bbox [x, y, w, h], score; image_id is the file name's number, else its position) and",
            "DIR/<image>.png with the detections scoring at least --threshold drawn.",
            "  --output  default runs/predict/<model id>");

    private static final List<String> IMAGE_SUFFIXES = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    private Predict() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(USAGE, argv, args -> run(args, System.out));
    }

    static Path run(Args args, PrintStream out) throws Exception {
        String model = args.required("--model");
        Path input = Path.of(args.required("--image"));
        Path output = args.path("--output");
        double threshold = args.number("--threshold", 0.5);
        String device = args.string("--device", null);
        args.finish();
        List<Path> images = listImages(input);
        ModelSource.Resolved source = ModelSource.resolve(model, device);
        DetectorArtifact artifact = source.artifact();
        Path outDir = output != null ? output : Path.of("runs", "predict", artifact.id());
        Files.createDirectories(outDir);

        Map<String, Integer> categoryOf = new HashMap<>();
        for (int i = 0; i < artifact.classNames().size(); i++) {
            categoryOf.putIfAbsent(artifact.classNames().get(i), artifact.categoryIds()[i]);
        }
        List<Map<String, Object>> results = new ArrayList<>();
        long begin = System.nanoTime();
        try (ZooModel<Image, DetectedObjects> zoo = source.load();
                Predictor<Image, DetectedObjects> predictor = zoo.newPredictor()) {
            for (int n = 0; n < images.size(); n++) {
                Path file = images.get(n);
                Image image = ImageDecoder.readImage(file);
                DetectedObjects dets = predictor.predict(image);
                long imageId = imageId(file, n + 1);
                List<String> names = new ArrayList<>();
                List<Double> probs = new ArrayList<>();
                List<BoundingBox> boxes = new ArrayList<>();
                for (DetectedObjects.DetectedObject d : dets.<DetectedObjects.DetectedObject>items()) {
                    Rectangle r = d.getBoundingBox().getBounds();
                    Map<String, Object> rec = new LinkedHashMap<>();
                    rec.put("image_id", imageId);
                    rec.put("file_name", file.getFileName().toString());
                    rec.put("category_id", categoryOf.getOrDefault(d.getClassName(), -1));
                    // The model computes in float32: written at that precision (a decimal that reads
                    // back as the same float), since rounding further creates score ties and moves AP.
                    rec.put(
                            "bbox",
                            List.of(
                                    (float) (r.getX() * image.getWidth()),
                                    (float) (r.getY() * image.getHeight()),
                                    (float) (r.getWidth() * image.getWidth()),
                                    (float) (r.getHeight() * image.getHeight())));
                    rec.put("score", (float) d.getProbability());
                    results.add(rec);
                    if (d.getProbability() >= threshold) {
                        names.add(String.format(Locale.ROOT, "%s %.2f", d.getClassName(), d.getProbability()));
                        probs.add(d.getProbability());
                        boxes.add(d.getBoundingBox());
                    }
                }
                Image drawn = image.duplicate();
                drawn.drawBoundingBoxes(new DetectedObjects(names, probs, boxes));
                String stem = file.getFileName().toString().replaceFirst("\\.[^.]+$", "");
                Path target = outDir.resolve(stem + ".png");
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
        AtomicFiles.writeString(json, new GsonBuilder().create().toJson(results) + "\n");
        out.printf(
                Locale.ROOT,
                "%d images, %d detections in %.1f s (%.2f images/s, model load included) -> %s%n",
                images.size(),
                results.size(),
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
                    .filter(p -> IMAGE_SUFFIXES.stream()
                            .anyMatch(x -> p.getFileName()
                                    .toString()
                                    .toLowerCase(Locale.ROOT)
                                    .endsWith(x)))
                    .sorted()
                    .toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(
                    "--image " + input + ": no image files (" + String.join(", ", IMAGE_SUFFIXES) + ") in the folder");
        }
        return files;
    }

    /** COCO image id from a file name's digits (000123.png -> 123, as COCO names them), else the fallback. */
    static long imageId(Path file, long fallback) {
        String digits =
                file.getFileName().toString().replaceFirst("\\.[^.]+$", "").replaceAll("^.*?(\\d+)$", "$1");
        if (digits.matches("\\d{1,18}")) {
            return Long.parseLong(digits);
        }
        return fallback;
    }
}
