package org.cardinal.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.Success$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task that fails half-way (after its first image) and is run again by Spark adds no row twice:
 * the outputs equal those of a run without failure. {@code local[2,2]} is embedded Spark on two
 * cores that tries a task twice.
 */
class TaskRetryTest {

    @TempDir
    static Path dir;

    static SparkSession spark;
    static Path artifact;
    static Path data;

    @BeforeAll
    static void modelDataAndSpark() throws Exception {
        artifact = TestFixtures.tinyArtifact(dir);
        data = TestFixtures.syntheticData(dir);
        spark = TestFixtures.session("local[2,2]");
    }

    @AfterAll
    static void stopSpark() {
        PartitionDetector.FAIL_FIRST_ATTEMPT_FOR_TESTS.clear();
        spark.stop();
    }

    @Test
    void aRetriedTaskAddsNoDuplicateRows() throws Exception {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        Path clean = dir.resolve("clean");
        DetectionJob.run(
                spark,
                new SparkDetectOptions(
                        artifact.toString(),
                        data.resolve("val").toString(),
                        clean.toString(),
                        TestFixtures.groundTruth(data).toString(),
                        null,
                        0,
                        1),
                sink,
                sink);

        AtomicInteger failedTasks = new AtomicInteger();
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.reason() != Success$.MODULE$) {
                    failedTasks.incrementAndGet();
                }
            }
        });
        PartitionDetector.FAIL_FIRST_ATTEMPT_FOR_TESTS.add(0);
        Path retried = dir.resolve("retried");
        DetectionJob.Summary summary;
        try {
            summary = DetectionJob.run(
                    spark,
                    new SparkDetectOptions(
                            artifact.toString(),
                            data.resolve("val").toString(),
                            retried.toString(),
                            TestFixtures.groundTruth(data).toString(),
                            null,
                            0,
                            1),
                    sink,
                    sink);
        } finally {
            PartitionDetector.FAIL_FIRST_ATTEMPT_FOR_TESTS.clear();
        }
        assertTrue(failedTasks.get() >= 1, "the injected failure happened and Spark retried the task");
        assertEquals(TestFixtures.IMAGES, summary.images());
        assertEquals(
                Files.readString(clean.resolve("detections.json")),
                Files.readString(retried.resolve("detections.json")));
        assertEquals(Files.readString(clean.resolve("eval.json")), Files.readString(retried.resolve("eval.json")));
        long rows = spark.read()
                .parquet(retried.resolve("detections.parquet").toString())
                .count();
        assertEquals(summary.detections(), rows);
        assertEquals(
                rows,
                spark.read()
                        .parquet(retried.resolve("detections.parquet").toString())
                        .distinct()
                        .count(),
                "no row twice");
    }
}
