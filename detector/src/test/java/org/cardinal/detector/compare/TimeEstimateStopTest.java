package org.cardinal.detector.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.cardinal.core.train.StopRequest;
import org.cardinal.core.train.StoppedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stop asked for while the time estimate probes a backbone ends the estimate (it used to train
 * every probe to the end, minutes per backbone for a full-size model) and leaves no scratch folder.
 */
class TimeEstimateStopTest {

    @Test
    void aStopDuringTheProbesEndsTheEstimate(@TempDir Path dir) throws Exception {
        ComparisonConfig cfg = ComparisonConfig.load(TinyComparison.write(dir, "fpn", ""));
        Path out = dir.resolve("out");
        StopRequest stop = new StopRequest();
        Comparison comparison = new Comparison(cfg, out).setStopRequest(stop);
        // SIGTERM as soon as the first probe has its scratch folder
        Thread signal = new Thread(() -> {
            try {
                while (!probing(out)) {
                    Thread.sleep(1);
                }
            } catch (Exception e) {
                // the request below is what the test needs
            }
            stop.request("SIGTERM");
        });
        signal.start();
        StoppedException e = assertThrows(StoppedException.class, () -> TimeEstimate.measure(comparison, false));
        signal.join();
        assertTrue(e.getMessage().startsWith("stopped by SIGTERM while measuring"), e.getMessage());
        try (Stream<Path> left = Files.list(out)) {
            assertEquals(
                    0,
                    left.filter(p -> p.getFileName().toString().startsWith(".probe-"))
                            .count());
        }
    }

    private static boolean probing(Path out) throws Exception {
        if (!Files.isDirectory(out)) {
            return false;
        }
        try (Stream<Path> files = Files.list(out)) {
            return files.anyMatch(p -> p.getFileName().toString().startsWith(".probe-"));
        }
    }
}
