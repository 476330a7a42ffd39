package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cardinal.coco.CocoEvalResult;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.train.StopRequest;
import org.cardinal.detector.data.SyntheticCocoGenerator;
import org.cardinal.detector.train.TrainingRun;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, end to end on the embedded dataset
 * (minutes on a 2-core CPU: {@code mvn -B verify -Plong}).
 */
@Tag("long")
class MainJobEndToEndTest {

    @Test
    void defaultTrainingLearnsAndItsArtifactReproducesTheEvaluation(@TempDir Path dir) throws Exception {
        Path data = new SyntheticCocoGenerator(SyntheticCocoGenerator.Options.defaults()).ensure(dir.resolve("data"));
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        TrainingRun.Result r = TrainDetector.run(
                Cli.options(new TrainDetector.Options(), new String[] {
                    "--data", data.toString(), "--output", dir.resolve("run").toString()
                }),
                out,
                System.err,
                new StopRequest());
        double ap50 = r.summary().finalEval().ap50();
        // chance is ~0 for box detection; the demo reaches far more (README: measured AP50)
        assertTrue(ap50 > 0.3, "AP50 " + ap50 + "\n" + text);
        assertTrue(text.toString().contains("Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ]"));
        for (String f : new String[] {"config.json", "metrics.jsonl", "loss.png", "ap.png", "model/artifact.json"}) {
            assertTrue(Files.isRegularFile(dir.resolve("run").resolve(f)), f);
        }
        CocoEvalResult eval = Evaluate.run(
                Cli.options(new Evaluate.Options(), new String[] {
                    "--model",
                    dir.resolve("run").toString(),
                    "--data",
                    data.toString(),
                    "--output",
                    dir.resolve("eval").toString()
                }),
                out);
        // the packaged model through Criteria gives the trainer's numbers up to padding: the trainer
        // infers batches of 4 padded to a common size, evaluate one image at a time (measured: 0.013)
        assertEquals(r.summary().finalEval().ap50(), eval.stats()[1], 0.03);
        assertEquals(r.summary().finalEval().ap(), eval.stats()[0], 0.03);
    }

    @Test
    void compareBackbonesWritesTheReportAndReusesFinishedRuns(@TempDir Path dir) throws Exception {
        Path data = new SyntheticCocoGenerator(
                        SyntheticCocoGenerator.Options.defaults().withImages(8, 4))
                .ensure(dir.resolve("data"));
        String[] argv = {
            "--data", data.toString(), "--output", dir.resolve("cmp").toString(), "--max-iter", "6", "--seeds", "2"
        };
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        Path html = CompareBackbones.run(
                Cli.options(new CompareBackbones.Options(), argv), out, System.err, new StopRequest());
        // the demo's backbones have equal stage channels: nothing outside them starts otherwise
        assertTrue(
                text.toString()
                        .contains("initialization: every part but the backbone starts from the same weights in every "
                                + "run of a seed"),
                text.toString());
        String h = Files.readString(html);
        assertTrue(h.contains("resnet_mini") && h.contains("resnext_mini_16x8d") && h.contains("49.7"), h);
        assertTrue(h.contains("95% CI"), "the paired difference's interval");
        assertTrue(Files.isRegularFile(dir.resolve("cmp").resolve("report.md")));
        text.reset();
        CompareBackbones.run(Cli.options(new CompareBackbones.Options(), argv), out, System.err, new StopRequest());
        assertEquals(4, text.toString().split("finished run found", -1).length - 1, text.toString());
        assertTrue(text.toString().contains("verdict: "), text.toString());
    }
}
