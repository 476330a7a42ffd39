package org.cardinal.spark;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.FasterRcnnFactory;
import org.cardinal.detector.data.SyntheticCocoGenerator;
import org.cardinal.detector.zoo.DetectorArtifact;

/**
 * What the spark module's tests share: a Faster R-CNN artifact with random weights, small enough
 * to run in milliseconds per image (score threshold 0, so random weights still detect), the
 * embedded synthetic COCO validation images with their ground truth, an embedded Spark session,
 * and a way to run Cardinal's other tools as their own processes, as a user runs them.
 */
final class TestFixtures {

    /**
     * A Faster R-CNN small enough to run in milliseconds an image on a CPU. Images are resized to
     * at least 80 pixels high: RoI pooling infers its level scales from the first image a model
     * sees (as torchvision does), and below 68 pixels the padding can round a level's scale the
     * other way, which would make the numbers depend on which image an executor saw first.
     */
    static final String TINY =
            "{\"backbone\": \"resnet_tiny\", \"num_classes\": 3, \"min_size\": 96, \"max_size\": 128,"
                    + " \"fpn_channels\": 16, \"representation_size\": 32, \"box_score_thresh\": 0.0,"
                    + " \"rpn_pre_nms_top_n_test\": 50, \"rpn_post_nms_top_n_test\": 20}";

    /** Validation images: 16 gives 8 tasks of 2 images on 2 cores. */
    static final int IMAGES = 16;

    /**
     * libtorch's intra-op threads, the same in this JVM (where the embedded executors run) and in
     * the tools started for comparison: a different count may sum in another order.
     */
    static final String THREADS = "1";

    private TestFixtures() {}

    /** Writes the artifact folder {@code <dir>/tiny}. */
    static Path tinyArtifact(Path dir) throws IOException {
        System.setProperty(ExecutorModels.NUM_THREADS, THREADS);
        DetectorConfig config =
                DetectorConfig.fromJson(JsonParser.parseString(TINY).getAsJsonObject(), ConfigPath.root("test"));
        Path artifact = dir.resolve("tiny");
        try (NDManager manager = NDManager.newBaseManager()) {
            FasterRcnn net = FasterRcnnFactory.create(config);
            net.initialize(manager, DataType.FLOAT32);
            new DetectorArtifact(
                            "tiny",
                            "random weights for tests",
                            config,
                            List.of("circle", "cross"),
                            new int[] {1, 5},
                            "test",
                            null)
                    .write(artifact, StateDicts.export(net));
        }
        return artifact;
    }

    /** The synthetic dataset's root (val/ images, annotations/instances_val.json). */
    static Path syntheticData(Path dir) throws IOException {
        return new SyntheticCocoGenerator(
                        SyntheticCocoGenerator.Options.defaults().withImages(0, IMAGES))
                .ensure(dir.resolve("data"));
    }

    static Path groundTruth(Path data) {
        return SyntheticCocoGenerator.annotationFile(data, "val");
    }

    /** An embedded session on {@code master}, without the UI, bound to the loopback address. */
    static SparkSession session(String master) {
        return SparkSession.builder()
                .appName("cardinal spark tests")
                .master(master)
                .config("spark.ui.enabled", "false")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    /** What a tool printed and returned. */
    record Run(int code, String stdout, String stderr) {}

    /** Runs a main class of Cardinal (e.g. org.cardinal.tools.Predict) as a user runs it: its own JVM. */
    static Run java(String mainClass, List<String> args, Path workDir) throws IOException, InterruptedException {
        return java(mainClass, args, workDir, Map.of());
    }

    /**
     * Runs a main class in its own JVM with this class path, the JVM options of tools/spark-detect
     * and these environment variables.
     */
    static Run java(String mainClass, List<String> args, Path workDir, Map<String, String> env)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(workDir, "stdout", ".txt");
        Path err = Files.createTempFile(workDir, "stderr", ".txt");
        Process p = start(mainClass, args, env, out, err);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(mainClass + " did not finish in 5 minutes");
        }
        return new Run(
                p.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** Starts a main class as {@link #java} runs it, its output going to the two files. */
    static Process start(String mainClass, List<String> args, Map<String, String> env, Path out, Path err)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("@" + Path.of("conf", "jvm.options").toAbsolutePath());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-D" + ExecutorModels.NUM_THREADS + "=" + THREADS);
        String log4j = System.getProperty("log4j2.configurationFile");
        if (log4j != null) {
            cmd.add("-Dlog4j2.configurationFile=" + log4j);
        }
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder builder =
                new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(env);
        return builder.start();
    }
}
