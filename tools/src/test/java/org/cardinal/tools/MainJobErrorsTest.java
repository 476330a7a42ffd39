package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.testing.JvmOutput;
import org.cardinal.core.train.StopRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job's tools fail on a user's mistake with one clear line naming the file and the field. */
class MainJobErrorsTest {

    private static final PrintStream SINK = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    private static IllegalArgumentException trainFails(String... argv) {
        return assertThrows(
                IllegalArgumentException.class,
                () -> TrainDetector.run(Cli.options(new TrainDetector.Options(), argv), SINK, SINK, new StopRequest()));
    }

    @Test
    void malformedConfigNamesTheFile(@TempDir Path dir) throws IOException {
        Path cfg = dir.resolve("broken.json");
        Files.writeString(cfg, "{\"name\": \"x\", \"model\": {\"backbone\": \"resnet50\",,}");
        IllegalArgumentException e = trainFails("--config", cfg.toString());
        assertTrue(
                e.getMessage().contains(cfg.toString()) && e.getMessage().contains("malformed JSON"), e.getMessage());
    }

    @Test
    void unknownBackboneNamesItAndListsTheKnownOnes(@TempDir Path dir) throws IOException {
        Path cfg = dir.resolve("typo.json");
        Files.writeString(cfg, "{\"name\": \"x\", \"model\": {\"backbone\": \"resnet5O\"}}");
        IllegalArgumentException e = trainFails("--config", cfg.toString());
        assertTrue(e.getMessage().contains("resnet5O") && e.getMessage().contains("resnext50_32x4d"), e.getMessage());
        assertTrue(e.getMessage().contains(cfg.toString()), e.getMessage());
    }

    @Test
    void unknownFieldInTheSolverIsNamed(@TempDir Path dir) throws IOException {
        Path cfg = dir.resolve("field.json");
        Files.writeString(cfg, "{\"name\": \"x\", \"solver\": {\"max_iters\": 10}}");
        IllegalArgumentException e = trainFails("--config", cfg.toString());
        assertTrue(e.getMessage().contains("max_iters"), e.getMessage());
    }

    @Test
    void missingDatasetSaysWhatWasExpected(@TempDir Path dir) {
        IllegalArgumentException e = trainFails("--config", "faster_rcnn_R_50_FPN_1x", "--data", dir.toString());
        assertTrue(e.getMessage().startsWith("dataset not found: "), e.getMessage());
        assertTrue(
                e.getMessage().contains("instances_train2017.json")
                        && e.getMessage().contains("--data"),
                e.getMessage());
        IllegalArgumentException missingFolder =
                trainFails("--data", dir.resolve("nope").toString());
        assertTrue(missingFolder.getMessage().contains("nope"), missingFolder.getMessage());
    }

    @Test
    void unknownConfigNameAndOptionsAreRejected() {
        assertTrue(trainFails("--config", "no_such_config").getMessage().contains("no_such_config"));
        assertTrue(trainFails("--epochs", "3").getMessage().contains("--epochs"));
        assertTrue(trainFails("--device", "tpu").getMessage().contains("tpu"));
    }

    @Test
    void valuesThatOnceMeantNotGivenAreRefused() {
        // --max-iter 0 and --base-lr 0 were taken as "not given" and silently ignored; the config
        // that cannot be found comes after the options' checks
        for (String[] option : List.of(
                new String[] {"--max-iter", "0"},
                new String[] {"--max-iter", "-3"},
                new String[] {"--base-lr", "0"},
                new String[] {"--base-lr", "-0.01"},
                new String[] {"--base-lr", "NaN"})) {
            String message = trainFails("--config", "no_such_config", option[0], option[1])
                    .getMessage();
            assertTrue(message.startsWith(option[0] + ": expected a positive"), message);
        }
        for (String option : List.of("--max-iter", "--seeds", "--parallel")) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> CompareBackbones.run(
                            Cli.options(new CompareBackbones.Options(), "--config", "no_such_config", option, "0"),
                            SINK,
                            SINK,
                            new StopRequest()));
            assertTrue(e.getMessage().startsWith(option), e.getMessage());
        }
    }

    @Test
    void predictAndEvaluateNameAMissingModelOrImage(@TempDir Path dir) {
        IllegalArgumentException p = assertThrows(
                IllegalArgumentException.class,
                () -> Predict.run(
                        Cli.options(
                                new Predict.Options(),
                                new String[] {"--model", dir.toString(), "--image", dir.toString()}),
                        SINK));
        assertTrue(p.getMessage().contains("no image files") || p.getMessage().contains("artifact"), p.getMessage());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Evaluate.run(
                        Cli.options(
                                new Evaluate.Options(),
                                new String[] {"--model", dir.toString(), "--data", dir.toString()}),
                        SINK));
        assertTrue(
                e.getMessage().startsWith("dataset not found") && e.getMessage().contains("instances_val.json"),
                e.getMessage());
    }

    @Test
    void predictTakesTheDecodersFormatsAndNeverWritesOverItsImages(@TempDir Path dir) throws IOException {
        for (String f : List.of("a.png", "a.jpg", "b.TIF", "c.webp", "notes.txt")) {
            Files.writeString(dir.resolve(f), "x");
        }
        assertEquals(
                List.of("a.jpg", "a.png", "b.TIF"),
                Predict.listImages(dir).stream()
                        .map(p -> p.getFileName().toString())
                        .toList());
        IllegalArgumentException same =
                assertThrows(IllegalArgumentException.class, () -> Predict.checkOutput(dir, dir.resolve(".")));
        assertTrue(same.getMessage().startsWith("--output " + dir.resolve(".")), same.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Predict.checkOutput(dir.resolve("a.png"), dir));
        Predict.checkOutput(dir, dir.resolve("out"));
    }

    @Test
    void compareConfigNeedsTwoBackbonesAndNamesAnUnknownOne(@TempDir Path dir) throws IOException {
        Path one = dir.resolve("one.json");
        Files.writeString(one, "{\"base\": \"demo_tiny_fpn\", \"backbones\": [\"resnet50\"]}");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> CompareBackbones.run(
                        Cli.options(
                                new CompareBackbones.Options(),
                                new String[] {"--config", one.toString(), "--output", dir.toString()}),
                        SINK,
                        SINK,
                        new StopRequest()));
        assertTrue(e.getMessage().contains("backbones") && e.getMessage().contains(one.toString()), e.getMessage());
        Path typo = dir.resolve("typo.json");
        Files.writeString(typo, "{\"base\": \"demo_tiny_fpn\", \"backbones\": [\"resnet50\", \"resnext5O_32x4d\"]}");
        IllegalArgumentException u = assertThrows(
                IllegalArgumentException.class,
                () -> CompareBackbones.run(
                        Cli.options(new CompareBackbones.Options(), new String[] {
                            "--config", typo.toString(), "--output", dir.toString(), "--data", dir.toString()
                        }),
                        SINK,
                        SINK,
                        new StopRequest()));
        assertTrue(u.getMessage().contains("resnext5O_32x4d"), u.getMessage());
    }

    @Test
    void commandLinePrintsOneErrorLineAndExitsWithTwo(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("typo.json");
        Files.writeString(cfg, "{\"model\": {\"backbone\": \"resnext50_32x5d\"}}");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "org.cardinal.tools.TrainDetector",
                "--config",
                cfg.toString()));
        Process proc = new ProcessBuilder(cmd)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String err = new String(proc.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(proc.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, proc.exitValue(), err);
        List<String> lines = JvmOutput.lines(err); // the JVM's own "Picked up ..." lines aside
        assertEquals(1, lines.size(), err);
        assertTrue(lines.get(0).startsWith("error: ") && lines.get(0).contains("resnext50_32x5d"), err);
    }
}
