package org.cardinal.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tools/spark-detect as a user runs it: a master Spark cannot start on is a user's mistake. */
class SparkDetectMasterTest {

    @Test
    void aBadMasterIsOneLineAndExitCodeTwoEvenWithDebugZero(@TempDir Path dir) throws Exception {
        TestFixtures.Run r = TestFixtures.java(
                "org.cardinal.spark.SparkDetect",
                List.of(
                        "--model",
                        dir.toString(),
                        "--images",
                        dir.toString(),
                        "--output",
                        dir.resolve("out").toString(),
                        "--master",
                        "bogus"),
                dir,
                Map.of("CARDINAL_DEBUG", "0"));
        assertEquals(2, r.code(), r.stderr());
        List<String> errors =
                r.stderr().lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(
                List.of("error: --master bogus: Spark cannot start on it: Could not parse Master URL: 'bogus'"),
                errors,
                r.stderr());
        assertFalse(r.stderr().contains("\tat "), "no stack trace:\n" + r.stderr());
    }
}
