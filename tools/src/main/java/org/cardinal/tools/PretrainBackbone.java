package org.cardinal.tools;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cardinal.backbone.pretrain.PretrainConfig;
import org.cardinal.backbone.pretrain.PretrainTrainer;
import org.cardinal.core.cli.Args;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.train.NonFiniteLossException;
import org.cardinal.detector.train.DeviceSelection;

/**
 * {@code tools/pretrain-backbone}: ImageNet-style pretraining of a ResNet/ResNeXt classifier, whose
 * exported weights initialize a detector's backbone ({@code "backbone_weights"} in a detector
 * config).
 */
public final class PretrainBackbone {

    private static final String TOOL = "tools/pretrain-backbone";

    private static final String USAGE = String.join(
            "\n",
            "usage: " + TOOL + " [--config FILE] [--data DIR] [--output DIR] [--device cpu|gpu|gpu:N]",
            "                               [--resume] [--seed N] [--epochs N] [--batch-size N] [--workers N]",
            "                               [--stop-after-steps N] [--no-progress]",
            "",
            "Trains a backbone with its classification head on an image folder in ImageNet's layout",
            "(DIR/train/<class>/*.JPEG, DIR/val/<class>/*.JPEG; classes = sorted folder names).",
            "  --config FILE   recipe: a file or a name in configs/pretrain/ (default: default, a tiny",
            "                  ResNeXt on 64-pixel images; resnet50 / resnext50_32x4d: the paper's recipe)",
            "  --data DIR      dataset root; without it a small synthetic set (textures and shapes) is",
            "                  generated into OUTPUT/generated-data and used",
            "  --output DIR    run folder (default runs/pretrain/<config name>): config.json, metrics.jsonl,",
            "                  curves.png, checkpoints/, and backbone.safetensors (torchvision names)",
            "  --device D      cpu (default), gpu, gpu:N",
            "  --resume        continue from the newest checkpoint in OUTPUT/checkpoints",
            "  --seed N        the run's seed (initial weights, data order, augmentation), replacing the recipe's",
            "  --epochs, --batch-size, --workers   override the recipe (batch size rescales the lr linearly)",
            "  --stop-after-steps N   stop with a checkpoint after N optimizer steps in total",
            "  --no-progress   no progress bar (epoch summaries only, as when the output is redirected)",
            "Ctrl-C or SIGTERM stops after the current step with a checkpoint (exit code 130 / 143);",
            "--resume continues from it.");

    private PretrainBackbone() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(USAGE, argv, args -> {
            String configSpec = args.string("--config", "default");
            Path data = args.path("--data");
            Path output = args.path("--output");
            String deviceName = args.string("--device", "cpu");
            boolean resume = args.flag("--resume");
            Long seed = args.longInteger("--seed");
            int epochs = positive(args, "--epochs");
            int batchSize = positive(args, "--batch-size");
            int workers = positive(args, "--workers");
            int stopAfter = positive(args, "--stop-after-steps");
            boolean noProgress = args.flag("--no-progress");
            args.finish();

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
            PretrainTrainer trainer = new PretrainTrainer(cfg, data, output, device, System.out::println)
                    // redrawn in place on a terminal; redirected output gets the epoch summaries only
                    .optProgressBar(!noProgress && System.console() != null)
                    .optStopRequest(Cli.stopOnSignals());
            if (stopAfter > 0) {
                trainer.optStopAfterSteps(stopAfter);
            }
            PretrainTrainer.Result r;
            try {
                r = trainer.run(resume);
            } catch (NonFiniteLossException e) {
                Args.Command command = args.rerun(TOOL);
                if (e.lastCheckpoint() != null) {
                    command.with("--resume");
                }
                throw new Cli.Exit(
                        Cli.NON_FINITE_LOSS,
                        e.getMessage() + "; to go on with a lower learning rate, lower base_lr in " + configFile
                                + " and run: " + command);
            }
            if (r.weights() == null) {
                Args.Command next = args.rerun(TOOL).with("--resume");
                if (stopAfter > 0 && r.steps() >= stopAfter) {
                    next.without("--stop-after-steps"); // the limit is reached: the next slot sets its own
                }
                System.out.println("stopped at step " + r.steps() + "; continue with: " + next);
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
    private static int positive(Args args, String name) {
        Long v = args.longInteger(name);
        if (v == null) {
            return 0;
        }
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": expected a positive integer, found " + v);
        }
        return v.intValue();
    }
}
