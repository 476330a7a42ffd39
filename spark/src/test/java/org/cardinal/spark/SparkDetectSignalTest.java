package org.cardinal.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tools/spark-detect as a user runs it (its own JVM) stopped by SIGTERM, as {@code timeout} or a
 * scheduler stops it: it stops within seconds, exits with 143, says so, and leaves in --output
 * neither its own partial outputs nor those of an earlier run.
 */
class SparkDetectSignalTest {

    @TempDir
    Path dir;

    @Test
    void sigtermStopsTheJobCleanlyWithExitCode143() throws Exception {
        Path artifact = TestFixtures.tinyArtifact(dir);
        Path data = TestFixtures.syntheticData(dir);
        // 4000 images (the 16 again and again): minutes of work on two cores
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            lines.add(data.resolve("val")
                    .resolve(String.format(Locale.ROOT, "%06d.png", 1 + i % 16))
                    .toString());
        }
        Path list = dir.resolve("list.txt");
        Files.write(list, lines);
        Path output = Files.createDirectories(dir.resolve("out"));
        Files.writeString(output.resolve("eval.json"), "{\"from\": \"an earlier run\"}\n");
        Files.writeString(output.resolve("detections.json"), "[]\n");

        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process p = TestFixtures.start(
                SparkDetect.class.getName(),
                List.of("--model", artifact.toString(), "--images", list.toString(), "--output", output.toString()),
                Map.of(),
                out,
                err);
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            // the first progress line (10 s after the job started): tasks are detecting
            while (!Files.readString(err, StandardCharsets.UTF_8).contains("progress: ")) {
                assertTrue(p.isAlive(), "ended before the job started: " + Files.readString(err));
                assertTrue(System.nanoTime() < deadline, "the job did not start in 3 minutes");
                Thread.sleep(200);
            }
            long signalled = System.nanoTime();
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(2, TimeUnit.MINUTES), "still running 2 minutes after SIGTERM");
            double seconds = (System.nanoTime() - signalled) / 1e9;
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            assertEquals(143, p.exitValue(), stderr);
            assertTrue(stderr.contains("SIGTERM: stopping"), stderr);
            assertTrue(stderr.contains("spark-detect: stopped by SIGTERM after "), stderr);
            assertFalse(stderr.contains("error:"), stderr);
            for (String name : DetectionJob.OUTPUTS) {
                assertFalse(Files.exists(output.resolve(name)), name + " is left in --output");
            }
            System.out.printf(Locale.ROOT, "spark-detect exited %.1f s after SIGTERM%n", seconds);
        } finally {
            p.destroyForcibly();
        }
    }
}
