package org.cardinal.detector.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.cardinal.core.train.StopRequest;
import org.cardinal.detector.train.IterationMetrics;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs trained side by side ({@link Comparison#setRunsAtATime}) give exactly what they give one
 * at a time, stop together, and resume.
 */
class ComparisonSideBySideTest {

    @TempDir
    Path dir;

    /** Counts the runs training at the same moment, and can ask for a stop in one of them. */
    private static final class Overlap implements Comparison.Listener {
        final AtomicInteger active = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();
        StopRequest stop;
        int stopInRun = -1;

        @Override
        public TrainingListener trainingListener(Comparison.Run run) {
            return new TrainingListener() {
                @Override
                public void onStart(RunConfig config, int startIteration, int maxIteration) {
                    // a run resumed at its last iteration (its final evaluation was stopped) only
                    // evaluates and packages: it trains no iteration, so it never ends one
                    if (startIteration < maxIteration) {
                        most.accumulateAndGet(active.incrementAndGet(), Math::max);
                    }
                }

                @Override
                public void onIteration(IterationMetrics m) {
                    if (run.index() == stopInRun && m.iteration() == 2) {
                        stop.request("test");
                    }
                    if (m.iteration() == m.maxIteration()) {
                        active.decrementAndGet();
                    }
                }
            };
        }
    }

    @Test
    void twoAtATimeGiveTheResultsAndWeightsOfOneAtATime() throws IOException {
        ComparisonConfig cfg = ComparisonConfig.load(
                TinyComparison.write(dir, "fpn", "\"seeds\": 2, \"overrides\": {\"solver\": {\"max_iter\": 4}},"));
        Comparison.Outcome one = new Comparison(cfg, dir.resolve("one")).run();
        assertEquals(4, one.results().size());

        Path two = dir.resolve("two");
        Overlap first = new Overlap();
        first.stop = new StopRequest();
        first.stopInRun = 1;
        Comparison.Outcome stopped = new Comparison(cfg, two)
                .setRunsAtATime(2)
                .setStopRequest(first.stop)
                .addListener(first)
                .run();
        assertTrue(stopped.stopped());
        assertEquals("test", stopped.stoppedBy());
        assertEquals(2, first.most.get(), "the first two runs train at the same time");
        assertTrue(stopped.results().size() < 4, "the stop ends the comparison early");
        List<Comparison.Run> runs = new Comparison(cfg, two).runs();
        assertFalse(Files.exists(runs.get(1).resultFile()), "the run that was stopped has no result");
        assertFalse(Files.exists(runs.get(3).dir()), "nothing started after the stop");

        Overlap second = new Overlap();
        Comparison.Outcome done =
                new Comparison(cfg, two).setRunsAtATime(2).addListener(second).run();
        assertFalse(done.stopped());
        assertEquals(4, done.results().size());
        assertEquals(2, second.most.get());
        for (int i = 0; i < 4; i++) {
            RunResult a = one.results().get(i);
            RunResult b = done.results().get(i);
            assertEquals(a.backbone() + " " + a.seed(), b.backbone() + " " + b.seed(), "results in the planned order");
            assertArrayEquals(a.stats(), b.stats(), "run " + i);
            Path relative = dir.resolve("one")
                    .relativize(new Comparison(cfg, dir.resolve("one"))
                            .runs()
                            .get(i)
                            .dir()
                            .resolve("model/model.safetensors"));
            assertArrayEquals(
                    Files.readAllBytes(dir.resolve("one").resolve(relative)),
                    Files.readAllBytes(two.resolve(relative)),
                    "the weights of run " + i);
        }
    }
}
