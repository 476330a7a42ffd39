package org.cardinal.detector.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    @Test
    void metricsLogKeepsTheLaterLineOfARepeatedIterationAndToleratesACutLastLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("metrics.jsonl");
        Files.writeString(
                f,
                String.join(
                        "\n",
                        "{\"type\":\"train\",\"iteration\":10,\"lr\":0.01,\"loss\":2.0,\"losses\":{\"a\":1.5,\"b\":0.5},"
                                + "\"images_per_s\":3.0,\"time_s\":5}",
                        "{\"type\":\"train\",\"iteration\":20,\"lr\":0.02,\"loss\":1.0,\"losses\":{\"a\":0.7,\"b\":0.3},"
                                + "\"images_per_s\":3.0,\"time_s\":9}",
                        "{\"type\":\"eval\",\"iteration\":20,\"stats\":[0.1,0.3,0.05,0,0,0,0,0,0,0,0,0],"
                                + "\"per_category_ap\":{\"1\":0.2,\"2\":-1}}",
                        // resumed run repeats iteration 20
                        "{\"type\":\"train\",\"iteration\":20,\"lr\":0.02,\"loss\":0.9,\"losses\":{\"a\":0.6,\"b\":0.3},"
                                + "\"images_per_s\":3.0,\"time_s\":9}",
                        "{\"type\":\"train\",\"iter"));
        TrainingHistory log = TrainingHistory.read(f);
        assertEquals(2, log.train().size());
        assertEquals(0.9, log.train().get(1).loss());
        assertEquals(List.of("a", "b"), log.lossNames());
        assertEquals(0.3, log.lastEval().ap50());
        assertEquals(-1.0, log.lastEval().perCategoryAp().get(2));
        assertArrayEquals(new double[] {1.45, 1.45}, log.smoothedLoss(3), 1e-12);
    }

    @Test
    void corruptLineInTheMiddleIsAnErrorNamingFileAndLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("metrics.jsonl");
        Files.writeString(f, "{\"type\":\"train\"\nnot json\n{}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingHistory.read(f));
        assertTrue(e.getMessage().contains("metrics.jsonl") && e.getMessage().contains("line 1"), e.getMessage());
    }
}
