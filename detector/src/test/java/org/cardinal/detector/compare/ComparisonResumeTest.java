package org.cardinal.detector.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.core.train.StopRequest;
import org.cardinal.detector.train.IterationMetrics;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An interrupted comparison continues where it stopped: finished runs are reused untouched, the
 * interrupted one resumes from its checkpoint, the rest train.
 */
class ComparisonResumeTest {

    @TempDir
    Path dir;

    /** Records what a comparison did. */
    private static final class Recorder implements Comparison.Listener {
        final List<String> events = new ArrayList<>();
        final List<Integer> iterationsOfRun = new ArrayList<>(List.of(0, 0, 0, 0));
        final List<Integer> startIterations = new ArrayList<>(List.of(-1, -1, -1, -1));
        StopRequest stop;
        int stopInRun = -1;

        @Override
        public void runStarting(Comparison.Run run, Comparison.Status status) {
            events.add(run.index() + " " + status);
        }

        @Override
        public TrainingListener trainingListener(Comparison.Run run) {
            return new TrainingListener() {
                @Override
                public void onStart(RunConfig config, int startIteration, int maxIteration) {
                    startIterations.set(run.index(), startIteration);
                }

                @Override
                public void onIteration(IterationMetrics m) {
                    iterationsOfRun.set(run.index(), iterationsOfRun.get(run.index()) + 1);
                    if (run.index() == stopInRun) {
                        // Ctrl-C in the middle of the second run
                        stop.request("test");
                    }
                }
            };
        }

        @Override
        public void runFinished(Comparison.Run run, RunResult result, boolean reused) {
            events.add(run.index() + (reused ? " reused" : " trained"));
        }
    }

    @Test
    void interruptedComparisonResumesWithoutRetrainingFinishedRuns() throws IOException {
        ComparisonConfig cfg = ComparisonConfig.load(
                TinyComparison.write(dir, "fpn", "\"seeds\": 2, \"overrides\": {\"solver\": {\"max_iter\": 3}},"));
        Path out = dir.resolve("out");

        Recorder first = new Recorder();
        first.stop = new StopRequest();
        first.stopInRun = 1;
        Comparison.Outcome stopped = new Comparison(cfg, out)
                .setStopRequest(first.stop)
                .addListener(first)
                .run();
        assertTrue(stopped.stopped());
        assertEquals(List.of("0 TODO", "0 trained", "1 TODO"), first.events);
        assertEquals(1, stopped.results().size());
        // seed-major order: the first seed's ResNet, then its ResNeXt, stopped after one iteration
        List<Comparison.Run> runs = new Comparison(cfg, out).runs();
        assertEquals(out.resolve("tiny_resnet").resolve("seed_7"), runs.get(0).dir());
        assertEquals(out.resolve("tiny_resnext").resolve("seed_7"), runs.get(1).dir());
        assertEquals(out.resolve("tiny_resnet").resolve("seed_8"), runs.get(2).dir());
        assertTrue(Files.isRegularFile(runs.get(0).resultFile()));
        assertFalse(Files.exists(runs.get(1).resultFile()));
        assertFalse(Files.exists(runs.get(2).dir()));
        String partial = Files.readString(out.resolve("report.md"));
        assertTrue(partial.contains("Runs: 1 of 4 finished"), partial);

        // the estimate counts what is left only, probing both backbones in scratch folders it removes
        TimeEstimate left = TimeEstimate.measure(new Comparison(cfg, out), false);
        assertEquals(3, left.runsToDo());
        assertEquals(
                List.of("tiny_resnext", "tiny_resnet"),
                List.copyOf(left.secondsPerIteration().keySet()));
        assertTrue(left.seconds() > 0 && left.evalSecondsPerImage() > 0, left.toString());
        try (var files = Files.list(out)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".probe")));
        }

        byte[] finished = Files.readAllBytes(runs.get(0).resultFile());
        FileTime written = Files.getLastModifiedTime(runs.get(0).resultFile());
        Recorder second = new Recorder();
        Comparison.Outcome done = new Comparison(cfg, out).addListener(second).run();
        assertFalse(done.stopped());
        assertEquals(
                List.of(
                        "0 FINISHED",
                        "0 reused",
                        "1 PARTIAL",
                        "1 trained",
                        "2 TODO",
                        "2 trained",
                        "3 TODO",
                        "3 trained"),
                second.events);
        assertEquals(0, second.iterationsOfRun.get(0), "the finished run is not trained again");
        assertEquals(1, second.startIterations.get(1), "the interrupted run resumes from its checkpoint");
        assertEquals(List.of(0, 2, 3, 3), second.iterationsOfRun);
        assertArrayEquals(finished, Files.readAllBytes(runs.get(0).resultFile()));
        assertEquals(written, Files.getLastModifiedTime(runs.get(0).resultFile()));
        assertEquals(1, RunResult.read(runs.get(1).resultFile()).resumedFrom());

        assertEquals(4, done.results().size());
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("Runs: all 4 finished"), report);
        assertTrue(report.contains(done.findings().verdicts().get(0)), report);
        assertTrue(done.findings().difference("tiny_resnext", 0).hasInterval(), "two seeds: an interval");
        assertEquals(cfg.toJson(), JsonFiles.readObject(out.resolve("comparison.json")));
        assertEquals(0, TimeEstimate.measure(new Comparison(cfg, out), false).runsToDo());

        // a longer schedule does not silently reuse or overwrite the finished runs
        ComparisonConfig longer = cfg.withOverrides(JsonFiles.parseObject("{\"solver\": {\"max_iter\": 4}}", "test"));
        Comparison changed = new Comparison(longer, out);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> changed.status(changed.runs().get(0)));
        assertTrue(
                e.getMessage().contains("field 'solver.max_iter': 3 there, 4 now")
                        && e.getMessage().contains("--retrain"),
                e.getMessage());
    }
}
