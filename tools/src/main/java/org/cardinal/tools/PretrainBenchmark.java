package org.cardinal.tools;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cardinal.backbone.Norm;
import org.cardinal.backbone.pretrain.PretrainStep;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.backbone.spi.Backbones;
import org.cardinal.backbone.spi.BuildOptions;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.cli.ToolOptions;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.core.io.AtomicFiles;
import org.cardinal.core.train.Autograd;
import org.cardinal.core.train.MomentumSgd;
import org.cardinal.detector.train.DeviceSelection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Pretraining throughput: images per second of the pretraining step that {@code pretrain-backbone}
 * runs ({@link PretrainStep}: forward, cross-entropy, backward, SGD with momentum and weight decay)
 * of a classifier with BatchNorm, on a fixed random batch, so decoding is not measured; also the
 * process's CPU time per step and its peak memory (peak resident set on the CPU, Linux VmHWM reset
 * when each architecture starts; device memory in use on a GPU). {@code tools/bench/pretrain} runs
 * it next to torchvision's identical step, measured the same way.
 */
public final class PretrainBenchmark {

    /** The options of the pretraining benchmark. */
    @Command(
            name = "PretrainBenchmark",
            description = "Times forward+backward+SGD steps of each architecture on the CPU (or --device gpu).")
    static final class Options extends ToolOptions {
        @Option(names = "--arch", paramLabel = "LIST", description = "architectures (default resnet50,resnext50_32x4d)")
        String arch = "resnet50,resnext50_32x4d";

        @Option(names = "--batch", paramLabel = "N", description = "images per step (default 32)")
        int batch = 32;

        @Option(names = "--size", paramLabel = "S", description = "image side in pixels (default 224)")
        int size = 224;

        @Option(names = "--warmup", paramLabel = "N", description = "untimed steps first (default 1)")
        int warmup = 1;

        @Option(names = "--iters", paramLabel = "N", description = "timed steps (default 3)")
        int iters = 3;

        @Option(names = "--json", paramLabel = "OUT", description = "also write the results to OUT")
        Path json;

        @Option(names = "--device", paramLabel = "cpu|gpu", description = "where to run (default cpu)")
        String device = "cpu";

        @Option(
                names = "--profile",
                paramLabel = "DIR",
                description = "write libtorch's op trace of the last timed step to DIR/cardinal_<arch>.json")
        Path profile;
    }

    private PretrainBenchmark() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(new Options(), argv, args -> {
            String[] archs = args.arch.split(",");
            int batch = args.batch;
            int size = args.size;
            int warmup = args.warmup;
            int iters = args.iters;
            Path json = args.json;
            String deviceName = args.device;
            if (batch < 2 || size < 32 || iters < 1 || warmup < 0) {
                throw new IllegalArgumentException("need --batch >= 2, --size >= 32, --iters >= 1, --warmup >= 0");
            }
            ai.djl.Device device = DeviceSelection.single("--device", deviceName);
            if (args.profile != null) {
                Files.createDirectories(args.profile);
            }
            JsonArray results = new JsonArray();
            System.out.printf(
                    "%-18s %6s %5s %12s %12s %12s %10s%n",
                    "arch", "batch", "size", "s/step", "images/s", "cpu s/step", "peak MiB");
            for (String arch : archs) {
                BackboneSpec cfg = Backbones.named(arch.trim());
                Engine.getInstance().setRandomSeed(0);
                Autograd.offOnThisThread();
                PeakMemory memory = new PeakMemory(new ai.djl.Device[] {device});
                try (NDManager manager = NDManager.newBaseManager(device)) {
                    FeatureExtractor net = cfg.build(BuildOptions.classifier(Norm.BATCH));
                    net.initialize(manager, DataType.FLOAT32, new Shape(batch, 3, size, size));
                    ParameterStore ps = new ParameterStore(manager, false);
                    NDArray x = manager.randomNormal(new Shape(batch, 3, size, size));
                    NDArray y = manager.randomInteger(0, cfg.numClasses(), new Shape(batch), DataType.INT64);
                    try (MomentumSgd sgd = MomentumSgd.forParameters(StateDicts.namedParameters(net), 0.9f, 1e-4f)) {
                        double wall = 0;
                        double cpu = 0;
                        for (int i = 0; i < warmup + iters; i++) {
                            boolean profiled = args.profile != null && i == warmup + iters - 1;
                            if (profiled) {
                                // libtorch's autograd profiler: every op with its time, as a chrome trace
                                JniUtils.startProfile(false, true, false);
                            }
                            long t0 = System.nanoTime();
                            long c0 = DetectorBenchmark.CPU.getProcessCpuTime();
                            PretrainStep.run(net, ps, sgd, x, y, 0f, 0.01f);
                            if (i >= warmup) {
                                wall += (System.nanoTime() - t0) / 1e9;
                                cpu += (DetectorBenchmark.CPU.getProcessCpuTime() - c0) / 1e9;
                            }
                            if (profiled) {
                                JniUtils.stopProfile(args.profile
                                        .resolve("cardinal_" + cfg.name() + ".json")
                                        .toString());
                            }
                            memory.sample();
                        }
                        double perStep = wall / iters;
                        double ips = batch / perStep;
                        JsonObject r = new JsonObject();
                        r.addProperty("impl", "cardinal");
                        r.addProperty("arch", cfg.name());
                        r.addProperty("batch", batch);
                        r.addProperty("size", size);
                        r.addProperty("iters", iters);
                        r.addProperty("seconds_per_step", perStep);
                        r.addProperty("images_per_s", ips);
                        r.addProperty("cpu_seconds_per_step", cpu / iters);
                        memory.report(r);
                        String peak = r.has("peak_rss_mib")
                                ? String.format("%.0f", r.get("peak_rss_mib").getAsDouble())
                                : r.has("peak_gpu_mib")
                                        ? String.format(
                                                "%.0f", r.get("peak_gpu_mib").getAsDouble())
                                        : "-";
                        System.out.printf(
                                "%-18s %6d %5d %12.3f %12.2f %12.3f %10s%n",
                                cfg.name(), batch, size, perStep, ips, cpu / iters, peak);
                        results.add(r);
                    }
                }
            }
            if (json != null) {
                AtomicFiles.writeString(json, JsonFiles.pretty(results) + "\n");
            }
        });
    }
}
