package org.cardinal.vgg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.cardinal.detector.data.SyntheticCocoGenerator;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.train.TrainingRun;
import org.cardinal.detector.zoo.CardinalModelZoo;
import org.cardinal.spark.DetectionJob;
import org.cardinal.spark.SparkDetectOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin from the outside, as a user adds a backbone: Cardinal sees {@code vgg} only through
 * the SPI (this module's service file on the class path). A Faster R-CNN with the plugin's
 * backbone trains a few iterations on the embedded synthetic data, is packaged, reloads through
 * DJL's {@code Criteria} and detects; {@code tools/model-info}, {@code tools/predict} and {@code
 * tools/compare-backbones} (against resnext_mini_16x8d, the demo's ResNeXt) take it by type name in
 * their own JVMs; the Spark job of {@code tools/spark-detect} runs the packaged model.
 */
class VggPluginEndToEndTest {

    /** The demo's ResNeXt (configs/detectors/demo_tiny_fpn.json), the comparison's reference. */
    private static final String RESNEXT_MINI = "{\"name\": \"resnext_mini_16x8d\", \"block\": \"bottleneck\", "
            + "\"layers\": [1, 1, 1, 1], \"cardinality\": 16, \"bottleneck_width\": 8, \"base_channels\": 16, "
            + "\"num_classes\": 10}";

    private static final String VGG = "{\"type\": \"vgg\", \"name\": \"vgg_mini\", \"widths\": [16, 32, 64, 128]}";

    @TempDir
    Path dir;

    @Test
    void trainsPackagesReloadsComparesAndRunsOnSpark() throws Exception {
        Path data = new SyntheticCocoGenerator(
                        SyntheticCocoGenerator.Options.defaults().withImages(6, 4))
                .ensure(dir.resolve("data"));
        Path base = writeRunConfig(data);

        // trains a few iterations and packages <run>/model
        Path runDir = dir.resolve("run");
        TrainingRun.Result result = new TrainingRun(RunConfig.load(base), runDir).train(false);
        assertNotNull(result.artifact(), "packaged");
        Path model = runDir.resolve("model");
        JsonObject config = JsonParser.parseString(Files.readString(model.resolve("config.json")))
                .getAsJsonObject();
        assertEquals(
                "vgg", config.getAsJsonObject("backbone").get("type").getAsString(), "the artifact records the type");

        // reloads through Criteria (the model zoo reads the type and builds through the SPI)
        Path image = firstImage(data.resolve("val"));
        Criteria<Image, DetectedObjects> criteria = Criteria.builder()
                .setTypes(Image.class, DetectedObjects.class)
                .optModelZoo(CardinalModelZoo.of(runDir)) // a repository: its artifacts are its folders
                .optArtifactId("model")
                .build();
        try (ZooModel<Image, DetectedObjects> zoo = criteria.loadModel();
                Predictor<Image, DetectedObjects> predictor = zoo.newPredictor()) {
            DetectedObjects found = predictor.predict(ImageFactory.getInstance().fromFile(image));
            assertNotNull(found);
        }

        // tools/model-info takes the plugin's backbone by name
        Run info = java("org.cardinal.tools.ModelInfo", List.of("--arch", "vgg_mini", "--size", "64"));
        assertEquals(0, info.code, info.stderr);
        assertTrue(info.stdout.contains("vgg_mini (vgg: widths [16, 32, 64, 128]"), info.stdout);

        // tools/predict runs the packaged model
        Path predicted = dir.resolve("predicted");
        Run predict = java(
                "org.cardinal.tools.Predict",
                List.of("--model", model.toString(), "--image", image.toString(), "--output", predicted.toString()));
        assertEquals(0, predict.code, predict.stderr);
        assertTrue(Files.isRegularFile(predicted.resolve("detections.json")));

        // tools/compare-backbones: the plugin's backbone against resnext_mini_16x8d, one seed
        Path compare = dir.resolve("compare.json");
        Files.writeString(
                compare,
                "{\"title\": \"vgg vs resnext\", \"base\": \"" + base.getFileName() + "\", \"seeds\": 1, "
                        + "\"backbones\": [" + VGG + ", " + RESNEXT_MINI + "]}");
        Path compared = dir.resolve("compared");
        Run comparison = java(
                "org.cardinal.tools.CompareBackbones",
                List.of("--config", compare.toString(), "--output", compared.toString(), "--parallel", "1"));
        assertEquals(0, comparison.code, comparison.stdout + comparison.stderr);
        String report = Files.readString(compared.resolve("report.md"));
        assertTrue(report.contains("vgg_mini") && report.contains("resnext_mini_16x8d"), report);
        assertTrue(Files.isRegularFile(compared.resolve("vgg_mini/seed_7/model/config.json")), "trained and packaged");

        // the Spark job of tools/spark-detect runs the packaged model
        SparkSession spark = SparkSession.builder()
                .appName("vgg plugin test")
                .master("local[1]")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "1")
                .getOrCreate();
        try {
            Path out = dir.resolve("spark");
            ByteArrayOutputStream console = new ByteArrayOutputStream();
            DetectionJob.run(
                    spark,
                    new SparkDetectOptions(
                            model.toString(),
                            data.resolve("val").toString(),
                            out.toString(),
                            SyntheticCocoGenerator.annotationFile(data, "val").toString(),
                            null,
                            0,
                            2),
                    new PrintStream(console, true, StandardCharsets.UTF_8),
                    System.err);
            JsonArray detections = JsonParser.parseString(Files.readString(out.resolve("detections.json")))
                    .getAsJsonArray();
            assertNotNull(detections);
            assertTrue(Files.isRegularFile(out.resolve("eval.json")), "evaluated against the ground truth");
        } finally {
            spark.stop();
        }
    }

    private Path writeRunConfig(Path data) throws IOException {
        Path file = dir.resolve("base.json");
        Files.writeString(file, """
                { "name": "vgg_tiny",
                  "model": { "backbone": %s, "variant": "fpn", "backbone_norm": "batch", "num_classes": 7,
                             "min_size": 96, "max_size": 128, "trainable_backbone_layers": 5,
                             "fpn_channels": 16, "representation_size": 32,
                             "anchor_sizes": [[16], [32], [64], [128], [256]], "box_score_thresh": 0.0,
                             "rpn_pre_nms_top_n_train": 100, "rpn_post_nms_top_n_train": 50,
                             "rpn_pre_nms_top_n_test": 50, "rpn_post_nms_top_n_test": 20,
                             "rpn_batch_size_per_image": 64, "box_batch_size_per_image": 16 },
                  "solver": { "ims_per_batch": 2, "base_lr": 0.01, "max_iter": 4, "warmup_iters": 2, "steps": [3],
                              "checkpoint_period": 4, "eval_period": 0, "log_period": 1, "seed": 7,
                              "device": "cpu" },
                  "data": { "root": "%s", "train_images": "train",
                            "train_annotations": "annotations/instances_train.json", "val_images": "val",
                            "val_annotations": "annotations/instances_val.json", "num_workers": 1,
                            "prefetch_batches": 1 } }
                """.formatted(VGG, data.toString().replace("\\", "/")));
        return file;
    }

    private static Path firstImage(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.toString().endsWith(".jpg") || p.toString().endsWith(".png"))
                    .sorted()
                    .findFirst()
                    .orElseThrow();
        }
    }

    private record Run(int code, String stdout, String stderr) {}

    /** A Cardinal tool in its own JVM with this test's class path: the plugin jar's classes are on it. */
    private Run java(String mainClass, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dai.djl.pytorch.num_threads=1");
        cmd.add(mainClass);
        cmd.addAll(args);
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(mainClass + " did not finish in 5 minutes");
        }
        return new Run(
                p.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
