package org.cardinal.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {

    @Test
    void appendsOneFlushedLinePerRecord(@TempDir Path dir) throws IOException {
        Path f = dir.resolve(MetricsLog.FILE);
        try (MetricsLog log = new MetricsLog(f, "step", -1)) {
            log.log(record("step", 1, 0.5));
            // flushed at once: readable while the log is still open
            assertEquals(List.of("{\"type\":\"train\",\"step\":1,\"loss\":0.5}"), Files.readAllLines(f));
            log.log(record("step", 2, 0.25));
            assertEquals(2, log.records().size());
        }
        assertEquals(2, Files.readAllLines(f).size());
    }

    @Test
    void aFreshRunStartsTheFileOver(@TempDir Path dir) throws IOException {
        Path f = dir.resolve(MetricsLog.FILE);
        Files.writeString(f, "{\"iteration\":1}\n{\"iteration\":2}\n");
        try (MetricsLog log = new MetricsLog(f, "iteration", -1)) {
            log.log(record("iteration", 1, 0.5));
            assertEquals(1, log.records().size());
        }
        assertEquals(List.of("{\"type\":\"train\",\"iteration\":1,\"loss\":0.5}"), Files.readAllLines(f));
    }

    @Test
    void aResumedRunDropsLinesAfterItsCheckpointAndACutLastLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve(MetricsLog.FILE);
        Files.writeString(
                f,
                String.join(
                        "\n",
                        "{\"type\":\"train\",\"iteration\":10,\"loss\":2}",
                        "",
                        "{\"type\":\"eval\",\"iteration\":20,\"AP\":0.1}",
                        "{\"note\":\"no position\"}",
                        "{\"type\":\"train\",\"iteration\":30,\"loss\":1}",
                        "{\"type\":\"train\",\"iter"));
        try (MetricsLog log = new MetricsLog(f, "iteration", 20)) {
            assertEquals(2, log.records().size());
            log.log(record("iteration", 30, 1.5));
            assertEquals(3, log.records().size());
        }
        assertEquals(
                List.of(
                        "{\"type\":\"train\",\"iteration\":10,\"loss\":2}",
                        "{\"type\":\"eval\",\"iteration\":20,\"AP\":0.1}",
                        "{\"type\":\"train\",\"iteration\":30,\"loss\":1.5}"),
                Files.readAllLines(f));
    }

    @Test
    void aResumeRefusesAMalformedLineBeforeTheLastAndKeepsTheFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve(MetricsLog.FILE);
        String text = "{\"iteration\":10}\nnot json\n{\"iteration\":20}\n";
        Files.writeString(f, text);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new MetricsLog(f, "iteration", 20));
        assertEquals(f + ": line 2: expected a JSON object, found 'not json'", e.getMessage());
        assertEquals(text, Files.readString(f));
    }

    @Test
    void resumingWithoutAnEarlierLogStartsOne(@TempDir Path dir) throws IOException {
        Path f = dir.resolve(MetricsLog.FILE);
        try (MetricsLog log = new MetricsLog(f, "step", 100)) {
            assertEquals(0, log.records().size());
        }
        assertEquals(List.of(), Files.readAllLines(f));
    }

    private static JsonObject record(String positionField, long position, double loss) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "train");
        o.addProperty(positionField, position);
        o.addProperty("loss", loss);
        return o;
    }
}
