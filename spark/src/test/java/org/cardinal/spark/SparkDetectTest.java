package org.cardinal.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import org.apache.spark.Success$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.cardinal.coco.CocoEvalResult;
import org.cardinal.coco.CocoEvaluator;
import org.cardinal.coco.CocoGroundTruth;
import org.cardinal.coco.CocoResults;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.train.StopRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tools/spark-detect's job on an embedded {@code local[2]} Spark, against the tools a user would
 * otherwise run: tools/predict (its own JVM, same model and images) must write the same
 * detections.json byte for byte, and tools/coco-eval on that file must print the same summary
 * and write the same eval.json; unreadable images are reported, not fatal.
 */
class SparkDetectTest {

    @TempDir
    static Path dir;

    static Path artifact;
    static Path data;
    static SparkSession spark;

    @BeforeAll
    static void modelDataAndSpark() throws Exception {
        artifact = TestFixtures.tinyArtifact(dir);
        data = TestFixtures.syntheticData(dir);
        spark = TestFixtures.session("local[2]");
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    private static String run(SparkDetectOptions options) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DetectionJob.run(spark, options, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void detectionsAndCocoNumbersEqualThoseOfPredictAndCocoEval() throws Exception {
        Path out = dir.resolve("spark-out");
        Path gt = TestFixtures.groundTruth(data);
        int loadsBefore = ExecutorModels.loads();
        String console = run(new SparkDetectOptions(
                artifact.toString(), data.resolve("val").toString(), out.toString(), gt.toString(), null, 0, 3));
        assertTrue(ExecutorModels.loads() - loadsBefore <= 1, "one model for the JVM, not one per task or image");

        // tools/predict, as a user runs it, on the same model and folder
        Path predicted = dir.resolve("predict-out");
        TestFixtures.Run predict = TestFixtures.java(
                "org.cardinal.tools.Predict",
                List.of(
                        "--model",
                        artifact.toString(),
                        "--image",
                        data.resolve("val").toString(),
                        "--output",
                        predicted.toString()),
                dir);
        assertEquals(0, predict.code(), predict.stderr());
        byte[] expected = Files.readAllBytes(predicted.resolve("detections.json"));
        byte[] got = Files.readAllBytes(out.resolve("detections.json"));
        JsonArray records =
                JsonParser.parseString(new String(got, StandardCharsets.UTF_8)).getAsJsonArray();
        assertTrue(
                records.size() > TestFixtures.IMAGES,
                "random weights with score threshold 0 detect: " + records.size());
        assertArrayEquals(expected, got, "detections.json equals tools/predict's byte for byte");

        // tools/coco-eval on the job's own detections.json
        Path cocoJson = dir.resolve("coco-eval.json");
        TestFixtures.Run cocoEval = TestFixtures.java(
                "org.cardinal.tools.CocoEvalCommand",
                List.of(
                        "--gt",
                        gt.toString(),
                        "--dt",
                        out.resolve("detections.json").toString(),
                        "--json",
                        cocoJson.toString()),
                dir);
        assertEquals(0, cocoEval.code(), cocoEval.stderr());
        assertEquals(Files.readString(cocoJson), Files.readString(out.resolve("eval.json")), "eval.json");
        assertTrue(console.startsWith(cocoEval.stdout()), "the console shows tools/coco-eval's summary:\n" + console);
        // and the in-process evaluator, number by number
        CocoEvaluator evaluator = new CocoEvaluator(CocoGroundTruth.read(gt));
        evaluator.addResults(CocoResults.read(out.resolve("detections.json")));
        CocoEvalResult reference = evaluator.evaluate();
        double[] stats = JsonParser.parseString(Files.readString(out.resolve("eval.json")))
                .getAsJsonObject()
                .getAsJsonArray("stats")
                .asList()
                .stream()
                .mapToDouble(JsonElement::getAsDouble)
                .toArray();
        assertArrayEquals(reference.stats(), stats, 0.0);
        assertNotEquals(-1.0, stats[8], "AR@100 is defined: the ground truth was evaluated");

        // Parquet: one row per detection, the same numbers as the JSON, in the same order
        List<Row> rows = spark.read()
                .parquet(out.resolve("detections.parquet").toString())
                .orderBy("image_id", "rank")
                .collectAsList();
        assertEquals(records.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            JsonObject r = records.get(i).getAsJsonObject();
            Row row = rows.get(i);
            assertEquals(r.get("image_id").getAsLong(), row.getLong(row.fieldIndex("image_id")));
            assertEquals(r.get("category_id").getAsInt(), row.getInt(row.fieldIndex("category_id")));
            assertEquals(r.get("score").getAsFloat(), row.getFloat(row.fieldIndex("score")));
            JsonArray b = r.getAsJsonArray("bbox");
            float[] box = {
                row.getFloat(row.fieldIndex("x")),
                row.getFloat(row.fieldIndex("y")),
                row.getFloat(row.fieldIndex("width")),
                row.getFloat(row.fieldIndex("height"))
            };
            for (int j = 0; j < 4; j++) {
                assertEquals(b.get(j).getAsFloat(), box[j]);
            }
            assertTrue(row.getString(row.fieldIndex("image_path"))
                    .endsWith("/" + r.get("file_name").getAsString()));
        }
        assertEquals("[]\n", Files.readString(out.resolve("failures.json")), "no image failed");
    }

    @Test
    void aCorruptImageAndAMissingFileAreReportedNotFatal() throws Exception {
        Path images = dir.resolve("mixed");
        Files.createDirectories(images);
        Files.copy(data.resolve("val").resolve("000001.png"), images.resolve("000001.png"));
        Files.copy(data.resolve("val").resolve("000002.png"), images.resolve("000002.png"));
        Files.writeString(images.resolve("broken.png"), "these bytes are not a PNG");
        Path list = images.resolve("list.txt");
        Files.writeString(
                list,
                String.join(
                                "\n",
                                "# two images, a corrupt one and one that is not there",
                                "000001.png",
                                "broken.png",
                                images.resolve("000077.png").toString(),
                                "",
                                "000002.png")
                        + "\n");
        Path out = dir.resolve("mixed-out");
        run(new SparkDetectOptions(artifact.toString(), list.toString(), out.toString(), null, null, 0, 2));

        JsonArray failures = JsonParser.parseString(Files.readString(out.resolve("failures.json")))
                .getAsJsonArray();
        assertEquals(2, failures.size(), failures.toString());
        JsonObject broken = failures.get(0).getAsJsonObject();
        assertTrue(broken.get("image_path").getAsString().endsWith("/broken.png"));
        assertEquals(2, broken.get("image_id").getAsLong(), "no number in the name: its position in the list");
        assertTrue(
                broken.get("reason").getAsString().startsWith("cannot decode its 25 bytes as an image"),
                broken.get("reason").getAsString());
        JsonObject missing = failures.get(1).getAsJsonObject();
        assertEquals(77, missing.get("image_id").getAsLong());
        assertEquals("no such file", missing.get("reason").getAsString());

        // the readable images are detected as in a run of their own
        Path alone = dir.resolve("alone-out");
        Path two = dir.resolve("two");
        Files.createDirectories(two);
        Files.copy(images.resolve("000001.png"), two.resolve("000001.png"));
        Files.copy(images.resolve("000002.png"), two.resolve("000002.png"));
        run(new SparkDetectOptions(artifact.toString(), two.toString(), alone.toString(), null, null, 0, 2));
        assertEquals(
                Files.readString(alone.resolve("detections.json")), Files.readString(out.resolve("detections.json")));
        JsonArray records = JsonParser.parseString(Files.readString(out.resolve("detections.json")))
                .getAsJsonArray();
        long[] ids = records.asList().stream()
                .mapToLong(e -> e.getAsJsonObject().get("image_id").getAsLong())
                .distinct()
                .toArray();
        assertArrayEquals(new long[] {1, 2}, ids);
        assertEquals(
                records.size(),
                spark.read()
                        .parquet(out.resolve("detections.parquet").toString())
                        .count());
    }

    @Test
    void aThresholdKeepsTheDetectionsScoringAtLeastIt() throws Exception {
        Path all = dir.resolve("threshold-all");
        Path high = dir.resolve("threshold-high");
        Path images = data.resolve("val").resolve("00000[1-4].png");
        run(new SparkDetectOptions(artifact.toString(), images.toString(), all.toString(), null, null, 0, 4));
        JsonArray every = JsonParser.parseString(Files.readString(all.resolve("detections.json")))
                .getAsJsonArray();
        float[] scores = new float[every.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = every.get(i).getAsJsonObject().get("score").getAsFloat();
        }
        float[] sorted = scores.clone();
        Arrays.sort(sorted);
        float median = sorted[sorted.length / 2];
        run(new SparkDetectOptions(artifact.toString(), images.toString(), high.toString(), null, null, median, 4));
        JsonArray kept = JsonParser.parseString(Files.readString(high.resolve("detections.json")))
                .getAsJsonArray();
        JsonArray expected = new JsonArray();
        every.forEach(e -> {
            if (e.getAsJsonObject().get("score").getAsFloat() >= median) {
                expected.add(e);
            }
        });
        assertTrue(expected.size() > 0 && expected.size() < every.size());
        assertEquals(expected, kept);
    }

    /**
     * The bytes of a PNG whose header declares {@code width x height} 8-bit RGB pixels and that
     * holds no pixel data: what a decompression bomb looks like to a decoder.
     */
    static byte[] pngHeader(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(17)
                .put("IHDR".getBytes(StandardCharsets.US_ASCII))
                .putInt(width)
                .putInt(height)
                .put(new byte[] {8, 2, 0, 0, 0});
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        return ByteBuffer.allocate(8 + 4 + 17 + 4)
                .put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})
                .putInt(13)
                .put(ihdr.array())
                .putInt((int) crc.getValue())
                .array();
    }

    @Test
    void anImageTooLargeToHoldIsAFailureOfThatImageNotOfTheJob() throws Exception {
        Path images = dir.resolve("large");
        Files.createDirectories(images);
        Files.copy(data.resolve("val").resolve("000001.png"), images.resolve("000001.png"));
        // 33 bytes that declare 40,000 x 40,000 RGB pixels: 4.8 GB for a decoder that believes them
        Files.write(images.resolve("000002.png"), pngHeader(40_000, 40_000));
        Path out = dir.resolve("large-out");
        DetectionJob.Summary summary = DetectionJob.run(
                spark,
                new SparkDetectOptions(artifact.toString(), images.toString(), out.toString(), null, null, 0, 2),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                System.err);
        assertEquals(1, summary.failures());
        JsonArray failures = JsonParser.parseString(Files.readString(out.resolve("failures.json")))
                .getAsJsonArray();
        assertEquals(1, failures.size(), failures.toString());
        JsonObject large = failures.get(0).getAsJsonObject();
        assertEquals(2, large.get("image_id").getAsLong());
        String reason = large.get("reason").getAsString();
        assertTrue(reason.contains("image of 40000 x 40000 pixels, more than the budget of 178956970 pixels"), reason);
        JsonArray records = JsonParser.parseString(Files.readString(out.resolve("detections.json")))
                .getAsJsonArray();
        assertTrue(records.size() > 0
                && records.asList().stream()
                        .allMatch(r -> r.getAsJsonObject().get("image_id").getAsLong() == 1));
        // a file larger than any image within the budget is not read whole either
        assertEquals(4L * 1000 + (1 << 20), PartitionDetector.maxFileBytes(1000));
        assertEquals(Integer.MAX_VALUE - 16L, PartitionDetector.maxFileBytes(Long.MAX_VALUE));
    }

    @Test
    void aRerunIntoTheSameOutputLeavesNoFileOfThePreviousRun() throws Exception {
        Path out = dir.resolve("rerun-out");
        String images = data.resolve("val").resolve("00000[1-4].png").toString();
        run(new SparkDetectOptions(
                artifact.toString(),
                images,
                out.toString(),
                TestFixtures.groundTruth(data).toString(),
                null,
                0,
                4));
        assertTrue(Files.exists(out.resolve("eval.json")), "evaluated against --gt");
        Files.writeString(out.resolve("notes.txt"), "a file of the user's\n");

        run(new SparkDetectOptions(artifact.toString(), images, out.toString(), null, null, 0, 4));
        assertFalse(
                Files.exists(out.resolve("eval.json")),
                "the first run's eval.json does not describe the second run's detections");
        assertTrue(Files.exists(out.resolve("detections.json")));
        assertEquals("a file of the user's\n", Files.readString(out.resolve("notes.txt")), "other files are kept");
    }

    /**
     * A stop request (what Ctrl-C or SIGTERM makes in tools/spark-detect) cancels the job: its
     * tasks stop early, the run says it stopped, and --output holds neither the files of the run
     * that was stopped nor those of an earlier run.
     */
    @Test
    void aStopRequestCancelsTheJobAndLeavesNoOutputs() throws Exception {
        Path out = dir.resolve("stop-out");
        String images = data.resolve("val").resolve("00000[1-4].png").toString();
        run(new SparkDetectOptions(
                artifact.toString(),
                images,
                out.toString(),
                TestFixtures.groundTruth(data).toString(),
                null,
                0,
                4));
        // 400 images (the 16 again and again): 8 tasks of 50 on two cores
        Path list = dir.resolve("stop-list.txt");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            lines.add(data.resolve("val")
                    .resolve(String.format(Locale.ROOT, "%06d.png", 1 + i % 16))
                    .toString());
        }
        Files.write(list, lines);
        StopRequest stop = new StopRequest();
        AtomicInteger succeeded = new AtomicInteger();
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.reason() == Success$.MODULE$) {
                    succeeded.incrementAndGet();
                    stop.request("a test");
                }
            }
        };
        spark.sparkContext().addSparkListener(listener);
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        DetectionJob.Summary summary;
        try {
            summary = DetectionJob.run(
                    spark,
                    new SparkDetectOptions(artifact.toString(), list.toString(), out.toString(), null, null, 0, 1),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(progress, true, StandardCharsets.UTF_8),
                    stop);
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
        assertEquals("a test", summary.stoppedBy());
        assertTrue(succeeded.get() < 8, "the job was cancelled before its last task: " + succeeded.get() + " of 8");
        String console = progress.toString(StandardCharsets.UTF_8);
        assertTrue(console.contains("spark-detect: stopped by a test after "), console);
        for (String name : DetectionJob.OUTPUTS) {
            assertFalse(Files.exists(out.resolve(name)), name + " is left after a stopped run");
        }
        // the session runs the next job as usual
        DetectionJob.Summary next = DetectionJob.run(
                spark,
                new SparkDetectOptions(artifact.toString(), images, out.toString(), null, null, 0, 4),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                System.err);
        assertEquals(null, next.stoppedBy());
        assertEquals(4, next.images());
    }

    /** The job on the shared session, with the tools' error policy. */
    private static int execute(SparkDetectOptions options, PrintStream out, PrintStream err) {
        return Cli.execute(out, err, () -> DetectionJob.run(spark, options, out, err));
    }

    @Test
    void userMistakesAreOneLineErrorsWithExitCodeTwo() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

        assertEquals(
                2,
                SparkDetect.run(
                        new String[] {"--model", "m", "--images", "i", "--output", "o", "--bogus", "1"},
                        sink,
                        errStream));
        assertEquals("error: Unknown options: '--bogus', '1' (see --help)\n", err.toString(StandardCharsets.UTF_8));

        err.reset();
        Path nothing = dir.resolve("no-such-folder");
        assertEquals(
                2,
                execute(
                        new SparkDetectOptions(
                                artifact.toString(),
                                nothing.toString(),
                                dir.resolve("o1").toString(),
                                null,
                                null,
                                0,
                                8),
                        sink,
                        errStream));
        assertEquals("error: --images " + nothing + ": no such file or folder\n", err.toString(StandardCharsets.UTF_8));

        err.reset();
        assertEquals(
                2,
                execute(
                        new SparkDetectOptions(
                                dir.resolve("nomodel").toString(),
                                data.resolve("val").toString(),
                                dir.resolve("o2").toString(),
                                null,
                                null,
                                0,
                                8),
                        sink,
                        errStream));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("error: --model "), err.toString());

        // an image the ground truth does not have cannot be evaluated
        err.reset();
        Path other = dir.resolve("other");
        Files.createDirectories(other);
        Files.copy(data.resolve("val").resolve("000001.png"), other.resolve("000999.png"));
        assertEquals(
                2,
                execute(
                        new SparkDetectOptions(
                                artifact.toString(),
                                other.toString(),
                                dir.resolve("o3").toString(),
                                TestFixtures.groundTruth(data).toString(),
                                null,
                                0,
                                8),
                        sink,
                        errStream));
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(
                message.startsWith("error: --images ")
                        && message.contains("image id 999")
                        && message.endsWith("\n")
                        && message.indexOf('\n') == message.length() - 1,
                message);
    }
}
