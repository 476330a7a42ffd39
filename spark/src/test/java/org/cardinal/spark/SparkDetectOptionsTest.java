package org.cardinal.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The command line of tools/spark-detect follows the other tools' conventions. */
class SparkDetectOptionsTest {

    private static SparkDetectOptions options(String[] argv) {
        return SparkDetectOptions.parse(argv);
    }

    @Test
    void parsesValuesWithDefaults() {
        SparkDetectOptions o = options(new String[] {
            "--model", "m", "--images=hdfs:///x/*.jpg", "--output", "out", "--master", "local[2]", "--threshold", "0.25"
        });
        assertEquals(new SparkDetectOptions("m", "hdfs:///x/*.jpg", "out", null, "local[2]", 0.25, 8), o);
    }

    @Test
    void mistakesNameTheOption() {
        assertEquals(
                "Missing required option: '--output=DIR' (see --help)",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> options(new String[] {"--model", "m", "--images", "i"}))
                        .getMessage());
        assertEquals(
                "option '--model' (MODEL) should be specified only once (see --help)",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> options(new String[] {"--model", "m", "--model", "n"}))
                        .getMessage());
        assertEquals(
                "Invalid value for option '--threshold': 'high' is not a double (see --help)",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> options(new String[] {
                                    "--model", "m", "--images", "i", "--output", "o", "--threshold", "high"
                                }))
                        .getMessage());
        assertEquals(
                "--batch-size must be at least 1, got 0",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> options(new String[] {
                                    "--model", "m", "--images", "i", "--output", "o", "--batch-size", "0"
                                }))
                        .getMessage());
        assertEquals(
                "Expected parameter for option '--gt' but found '--model' (see --help)",
                assertThrows(IllegalArgumentException.class, () -> options(new String[] {"--gt", "--model", "m"}))
                        .getMessage());
        assertEquals(
                "Unmatched argument at index 6: 'x' (see --help)",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> options(new String[] {"--model", "m", "--images", "i", "--output", "o", "x"}))
                        .getMessage());
    }

    @Test
    void progressLineShowsRateAndTimeLeft() {
        assertEquals(
                "progress: 120/1000 images (12.0%), 4.00 images/s, ETA 3m40s", ProgressReporter.line(120, 1000, 30));
        assertEquals("progress: 0/10 images (0.0%), 0.00 images/s, ETA ?", ProgressReporter.line(0, 10, 5));
    }
}
