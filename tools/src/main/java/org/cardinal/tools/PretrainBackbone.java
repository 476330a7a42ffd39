package org.cardinal.tools;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cardinal.backbone.pretrain.PretrainConfig;
import org.cardinal.backbone.pretrain.PretrainTrainer;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.cli.Rerun;
import org.cardinal.core.cli.ToolOptions;
import org.cardinal.core.train.NonFiniteLossException;
import org.cardinal.core.train.StopRequest;
import org.cardinal.core.train.StoppedException;
import org.cardinal.detector.train.DeviceSelection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tools/pretrain-backbone}: ImageNet-style pretraining of a ResNet/ResNeXt classifier, whose
 * exported weights initialize a detector's backbone ({@code "backbone_weights"} in a detector
 * config).
 */
public final class PretrainBackbone {

    private static final String TOOL = "tools/pretrain-backbone";

    /** The options of {@code tools/pretrain-backbone}. */
    @Command(
            name = TOOL,
            description = {
                "Trains a backbone with its classification head on an image folder in ImageNet's layout"
                        + " (DIR/train/<class>/*.JPEG, DIR/val/<class>/*.JPEG; classes = sorted folder names)."
            },
            footer = {
                "Ctrl-C or SIGTERM stops after the current step with a checkpoint (exit code 130 / 143);",
                "--resume continues from it."
            })
    static final class Options extends ToolOptions {
        @Option(
                names = "--config",
                paramLabel = "FILE",
                description = "recipe: a file or a name in configs/pretrain/ (default: default, a tiny ResNeXt on"
                        + " 64-pixel images; resnet50 / resnext50_32x4d: the paper's recipe)")
        String config = "default";

        @Option(
                names = "--data",
                paramLabel = "DIR",
                description = "dataset root; without it a small synthetic set (textures and shapes) is generated"
                        + " into OUTPUT/generated-data and used")
        Path data;

        @Option(
                names = "--output",
                paramLabel = "DIR",
                description = "run folder (default runs/pretrain/<config name>): config.json, metrics.jsonl,"
                        + " curves.png, checkpoints/, and backbone.safetensors (torchvision names)")
        Path output;

        @Option(names = "--device", paramLabel = "D", description = "cpu (default), gpu, gpu:N")
        String device = "cpu";

        @Option(names = "--resume", description = "continue from the newest checkpoint in OUTPUT/checkpoints")
        boolean resume;

        @Option(
                names = "--seed",
                paramLabel = "N",
                description = "the run's seed (initial weights, data order, augmentation), replacing the recipe's")
        Long seed;

        @Option(names = "--epochs", paramLabel = "N", description = "epochs, replacing the recipe's")
        Integer epochs;

        @Option(
                names = "--batch-size",
                paramLabel = "N",
                description = "batch size, replacing the recipe's (rescales the lr linearly)")
        Integer batchSize;

        @Option(names = "--workers", paramLabel = "N", description = "decoding threads, replacing the recipe's")
        Integer workers;

        @Option(
                names = "--stop-after-steps",
                paramLabel = "N",
                description = "stop with a checkpoint after N optimizer steps in total")
        Integer stopAfterSteps;

        @Option(
                names = "--no-progress",
                description = "no progress bar (epoch summaries only, as when the output is redirected)")
        boolean noProgress;
    }

    private PretrainBackbone() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(new Options(), argv, args -> {
            String configSpec = args.config;
            Path data = args.data;
            Path output = args.output;
            String deviceName = args.device;
            boolean resume = args.resume;
            Long seed = args.seed;
            int epochs = positive("--epochs", args.epochs);
            int batchSize = positive("--batch-size", args.batchSize);
            int workers = positive("--workers", args.workers);
            int stopAfter = positive("--stop-after-steps", args.stopAfterSteps);
            boolean noProgress = args.noProgress;

            // every option is checked before anything is generated or trained
            Device device = DeviceSelection.single("--device", deviceName);
            if (data != null && !Files.isDirectory(data.resolve("train"))) {
                throw new IllegalArgumentException("--data " + data + ": expected a folder with train/<class>/ images");
            }
            Path configFile = ProjectFiles.config(configSpec, "pretrain");
            PretrainConfig cfg = PretrainConfig.load(configFile);
            cfg = cfg.withRun(
                    epochs > 0 ? epochs : cfg.epochs(),
                    batchSize > 0 ? batchSize : cfg.imsPerBatch(),
                    workers > 0 ? workers : cfg.numWorkers());
            if (seed != null) {
                cfg = cfg.withSeed(seed);
            }
            if (output == null) {
                String name = configFile.getFileName().toString().replaceFirst("\\.json$", "");
                output = Path.of("runs", "pretrain", name + (seed != null ? "_seed" + seed : ""));
            }
            if (data == null) {
                data = output.resolve("generated-data");
                System.out.println("no --data: generating " + cfg.generated().classes() + " synthetic classes ("
                        + cfg.generated().trainPerClass() + " train / "
                        + cfg.generated().valPerClass()
                        + " val images each) in " + data);
                cfg.generated().writeTo(data);
            }
            System.out.printf(
                    "pretraining %s on %s (%s): %d epochs, batch %d, lr %.4g, %s schedule%n",
                    cfg.backbone().name(),
                    data,
                    deviceName,
                    cfg.epochs(),
                    cfg.imsPerBatch(),
                    cfg.learningRate(),
                    cfg.schedule());
            StopRequest stop = Cli.stopOnSignals();
            PretrainTrainer trainer = new PretrainTrainer(cfg, data, output, device, System.out::println)
                    // redrawn in place on a terminal; redirected output gets the epoch summaries only
                    .optProgressBar(!noProgress && System.console() != null)
                    .optStopRequest(stop);
            if (stopAfter > 0) {
                trainer.optStopAfterSteps(stopAfter);
            }
            PretrainTrainer.Result r;
            try {
                r = trainer.run(resume);
            } catch (NonFiniteLossException e) {
                Rerun command = args.rerun();
                if (e.lastCheckpoint() != null) {
                    command.with("--resume");
                }
                throw new Cli.Exit(
                        Cli.NON_FINITE_LOSS,
                        e.getMessage() + "; to go on with a lower learning rate, lower base_lr in " + configFile
                                + " and run: " + command);
            }
            if (r.weights() == null) {
                Rerun next = args.rerun().with("--resume");
                if (stopAfter > 0 && r.steps() >= stopAfter) {
                    next.without("--stop-after-steps"); // the limit is reached: the next slot sets its own
                }
                System.out.println("stopped at step " + r.steps() + "; continue with: " + next);
                if (stop.isRequested()) {
                    throw new StoppedException("stopped by " + stop.reason() + " at step " + r.steps()
                            + " (continue with the command above)");
                }
                return;
            }
            System.out.printf(
                    "done: %d steps; val top-1 %.2f%%, top-5 %.2f%%%n",
                    r.steps(), 100 * r.valTop1(), 100 * r.valTop5());
            System.out.println("backbone weights: " + r.weights());
            System.out.println("use them in a detector config: \"backbone_weights\": \""
                    + r.weights().toAbsolutePath() + "\"");
        });
    }

    /** A positive integer option, 0 when it is not given. */
    private static int positive(String name, Integer v) {
        if (v == null) {
            return 0;
        }
        if (v < 1) {
            throw new IllegalArgumentException(name + ": expected a positive integer, found " + v);
        }
        return v;
    }
}
