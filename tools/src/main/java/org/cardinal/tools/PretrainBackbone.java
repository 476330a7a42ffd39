package org.cardinal.tools;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cardinal.backbone.pretrain.PretrainConfig;
import org.cardinal.backbone.pretrain.PretrainTrainer;
import org.cardinal.core.train.NonFiniteLossException;

/**
 * {@code tools/pretrain-backbone}: ImageNet-style pretraining of a ResNet/ResNeXt classifier, whose
 * exported weights initialize a detector's backbone ({@code "backbone_weights"} in a detector
 * config).
 */
public final class PretrainBackbone {

    private static final String USAGE = String.join(
            "\n",
            "usage: tools/pretrain-backbone [--config FILE] [--data DIR] [--output DIR] [--device cpu|gpu|gpu:N]",
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
            "  --no-progress   no progress bar (epoch summaries only)",
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
            int epochs = args.integer("--epochs", -1);
            int batchSize = args.integer("--batch-size", -1);
            int workers = args.integer("--workers", -1);
            int stopAfter = args.integer("--stop-after-steps", -1);
            boolean noProgress = args.flag("--no-progress");
            args.finish();

            Path configFile = ProjectFiles.config(configSpec, "pretrain");
            PretrainConfig cfg = PretrainConfig.load(configFile);
            cfg = cfg.withRun(
                    epochs > 0 ? epochs : cfg.epochs(),
                    batchSize > 0 ? batchSize : cfg.batchSize(),
                    workers > 0 ? workers : cfg.workers());
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
            } else if (!Files.isDirectory(data.resolve("train"))) {
                throw new IllegalArgumentException("--data " + data + ": expected a folder with train/<class>/ images");
            }
            Device device = device(deviceName);
            System.out.printf(
                    "pretraining %s on %s (%s): %d epochs, batch %d, lr %.4g, %s schedule%n",
                    cfg.arch().name(),
                    data,
                    deviceName,
                    cfg.epochs(),
                    cfg.batchSize(),
                    cfg.learningRate(),
                    cfg.schedule());
            PretrainTrainer trainer = new PretrainTrainer(cfg, data, output, device, System.out::println)
                    .optProgressBar(!noProgress)
                    .optStopRequest(Cli.stopOnSignals());
            if (stopAfter > 0) {
                trainer.optStopAfterSteps(stopAfter);
            }
            PretrainTrainer.Result r;
            try {
                r = trainer.run(resume);
            } catch (NonFiniteLossException e) {
                throw new Cli.Exit(
                        Cli.NON_FINITE_LOSS,
                        e.getMessage() + "; to go on with a lower learning rate, lower"
                                + " base_lr in " + configFile + " and run: tools/pretrain-backbone --config "
                                + configFile
                                + " --output " + output + (e.lastCheckpoint() != null ? " --resume" : ""));
            }
            if (r.weights() == null) {
                System.out.println("stopped at step " + r.steps() + "; continue with the same command and --resume");
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

    static Device device(String name) {
        String n = name.trim().toLowerCase(java.util.Locale.ROOT);
        if (n.equals("cpu")) {
            return Device.cpu();
        }
        int id;
        if (n.equals("gpu") || n.equals("cuda")) {
            id = 0;
        } else if (n.matches("(gpu|cuda):?\\d+")) {
            id = Integer.parseInt(n.replaceAll("\\D", ""));
        } else {
            throw new IllegalArgumentException("--device must be cpu, gpu or gpu:N, got '" + name + "'");
        }
        int gpus = Engine.getInstance().getGpuCount();
        if (id >= gpus) {
            throw new IllegalArgumentException("--device " + name + ": " + gpus + " GPU(s) visible to libtorch"
                    + " (the default build uses the CPU libtorch; see the README for the GPU profile)");
        }
        return Device.gpu(id);
    }
}
