package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.train.StopRequest;
import org.cardinal.core.train.StoppedException;
import org.cardinal.detector.data.SyntheticCocoGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stopped run says how to go on with the options it ran with, and remembers its data. */
class TrainDetectorResumeTest {

    @Test
    void aStoppedRunPrintsItsOwnCommandAndRefusesToResumeOnOtherData(@TempDir Path dir) throws Exception {
        Path data = new SyntheticCocoGenerator(
                        SyntheticCocoGenerator.Options.defaults().withImages(2, 0))
                .ensure(dir.resolve("my data"));
        Path cfg = dir.resolve("tiny.json");
        Files.writeString(cfg, """
                {"name": "tiny",
                 "model": {"backbone": "resnet_tiny", "num_classes": 7, "min_size": 64, "max_size": 96,
                           "fpn_channels": 8, "representation_size": 16},
                 "solver": {"ims_per_batch": 2, "max_iter": 5},
                 "data": {"root": "%s", "train_images": "train",
                          "train_annotations": "annotations/instances_train.json", "val_images": "val",
                          "val_annotations": "annotations/instances_val.json", "num_workers": 1}}
                """.formatted(dir.resolve("elsewhere")));
        Path run = dir.resolve("run");
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        StopRequest stop = new StopRequest();
        stop.request("a test"); // stops before the first iteration, with a checkpoint there
        String[] argv = {
            "--config", cfg.toString(), "--data", data.toString(), "--device", "cpu", "--output", run.toString()
        };
        StoppedException stopped = assertThrows(
                StoppedException.class,
                () -> TrainDetector.run(Cli.options(new TrainDetector.Options(), argv), out, sink, stop));
        assertTrue(stopped.getMessage().startsWith("stopped by a test after iteration 0"), stopped.getMessage());
        String printed = text.toString(StandardCharsets.UTF_8);
        assertTrue(
                printed.contains("continue with: tools/train-detector --config " + cfg + " --data '" + data
                        + "' --device cpu --output " + run + " --resume\n"),
                printed);

        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> TrainDetector.run(
                        Cli.options(
                                new TrainDetector.Options(),
                                new String[] {"--config", cfg.toString(), "--output", run.toString(), "--resume"}),
                        sink,
                        sink,
                        new StopRequest()));
        assertTrue(
                e.getMessage().startsWith("cannot resume from " + run.resolve("checkpoints"))
                        && e.getMessage().contains("field 'data.root'")
                        && e.getMessage().contains(data.toString()),
                e.getMessage());
    }
}
