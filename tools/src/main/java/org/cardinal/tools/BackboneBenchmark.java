package org.cardinal.tools;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cardinal.backbone.Norm;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.backbone.spi.BuildOptions;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.cli.ToolOptions;
import org.cardinal.core.io.AtomicFiles;
import org.cardinal.detector.train.DeviceSelection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Times a backbone's forward pass (inference: no autograd graph, BatchNorm on running statistics)
 * and forward + backward (training: batch statistics, cross-entropy on the logits, gradients of
 * every parameter) on random input, and prints images/s. Given the peer's JSON ({@code
 * tools/bench/backbone_peer.py}, torchvision with the same batch, size and threads) it prints both
 * side by side with the ratio Cardinal / torchvision. Run it through {@code tools/bench/backbone}.
 */
public final class BackboneBenchmark {

    /** The options of the backbone benchmark. */
    @Command(
            name = "BackboneBenchmark",
            description =
                    "Prefer tools/bench/backbone, which runs torchvision with the same settings and passes --peer.")
    static final class Options extends ToolOptions {
        @Option(names = "--arch", paramLabel = "LIST", description = "architectures (default resnet50,resnext50_32x4d)")
        String arch = "resnet50,resnext50_32x4d";

        @Option(names = "--batch", paramLabel = "N", description = "images per step (default 8)")
        int batch = 8;

        @Option(names = "--size", paramLabel = "S", description = "image side in pixels (default 224)")
        int size = 224;

        @Option(names = "--iters", paramLabel = "N", description = "timed iterations (default 10)")
        int iters = 10;

        @Option(names = "--warmup", paramLabel = "N", description = "untimed iterations first (default 3)")
        int warmup = 3;

        @Option(names = "--threads", paramLabel = "N", description = "libtorch threads (default: libtorch's)")
        Integer threads;

        @Option(names = "--mode", paramLabel = "LIST", description = "forward and/or train (default forward,train)")
        String mode = "forward,train";

        @Option(names = "--device", paramLabel = "cpu|gpu", description = "where to run (default cpu)")
        String device = "cpu";

        @Option(names = "--peer", paramLabel = "PEER.json", description = "torchvision's results, printed beside")
        Path peer;

        @Option(names = "--json", paramLabel = "OUT", description = "also write the results to OUT")
        Path json;
    }

    private BackboneBenchmark() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(new Options(), argv, args -> {
            List<String> archs = Arrays.asList(args.arch.split(","));
            int batch = args.batch;
            int size = args.size;
            int iters = args.iters;
            int warmup = args.warmup;
            int threads = args.threads == null ? 0 : args.threads;
            List<String> modes = Arrays.asList(args.mode.split(","));
            String deviceName = args.device;
            Path peer = args.peer;
            Path json = args.json;
            if (batch < 1 || size < 32 || iters < 1 || warmup < 0 || (args.threads != null && threads < 1)) {
                throw new IllegalArgumentException(
                        "--batch, --iters and --threads must be >= 1, --size >= 32, --warmup >= 0");
            }
            for (String m : modes) {
                if (!m.equals("forward") && !m.equals("train")) {
                    throw new IllegalArgumentException("--mode takes forward and/or train, got '" + m + "'");
                }
            }
            List<BackboneSpec> configs = new ArrayList<>();
            for (String a : archs) {
                configs.add(ModelInfo.resolve(a.trim()));
            }
            JsonObject peerResults = peer == null
                    ? null
                    : JsonParser.parseString(Files.readString(peer)).getAsJsonObject();
            if (threads > 0) {
                // Read by DJL's PyTorch engine when it starts, so set before the first Engine call.
                System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
                System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(threads));
            }
            Engine engine = Engine.getEngine("PyTorch");
            Device device = DeviceSelection.single("--device", deviceName);
            JsonObject out = new JsonObject();
            out.addProperty("impl", "cardinal");
            out.addProperty("engine", engine.getEngineName() + " " + engine.getVersion());
            out.addProperty("device", device.toString());
            out.addProperty(
                    "threads", threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
            out.addProperty("batch", batch);
            out.addProperty("size", size);
            JsonObject results = new JsonObject();
            for (BackboneSpec cfg : configs) {
                JsonObject r = new JsonObject();
                for (String mode : modes) {
                    double[] ms = time(engine, device, cfg, batch, size, warmup, iters, mode.equals("train"));
                    r.add(mode, summary(ms, batch));
                }
                results.add(cfg.name(), r);
            }
            out.add("results", results);
            System.out.print(table(out, peerResults, modes));
            if (json != null) {
                AtomicFiles.writeString(
                        json, new GsonBuilder().setPrettyPrinting().create().toJson(out));
            }
        });
    }

    /** Process CPU time: on a shared machine it shows the work done, whatever the wall clock says. */
    private static final com.sun.management.OperatingSystemMXBean CPU = (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /** Wall milliseconds of each timed iteration, then the process CPU milliseconds of each. */
    static double[] time(
            Engine engine, Device device, BackboneSpec cfg, int batch, int size, int warmup, int iters, boolean train) {
        try (NDManager manager = engine.newBaseManager(device)) {
            FeatureExtractor net = cfg.build(BuildOptions.classifier(Norm.BATCH));
            Shape shape = new Shape(batch, 3, size, size);
            net.initialize(manager, DataType.FLOAT32, shape);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray x = manager.randomNormal(shape);
            NDArray labels = manager.randomInteger(0, cfg.numClasses(), new Shape(batch), DataType.INT64);
            SoftmaxCrossEntropyLoss loss = new SoftmaxCrossEntropyLoss();
            double[] ms = new double[iters + iters];
            for (int i = -warmup; i < iters; i++) {
                long t0 = System.nanoTime();
                long c0 = CPU.getProcessCpuTime();
                // Every array made in an iteration is freed when its scope closes: memory stays flat.
                try (NDScope scope = new NDScope()) {
                    if (train) {
                        try (GradientCollector gc = engine.newGradientCollector()) {
                            NDList y = net.forward(ps, new NDList(x), true);
                            NDArray l = loss.evaluate(new NDList(labels), new NDList(y.get(4)));
                            gc.backward(l);
                            l.getFloat(); // host read: the step is complete before the clock stops
                        }
                    } else {
                        NDList y = net.forward(ps, new NDList(x), false);
                        y.get(4).toFloatArray(); // host read of the (tiny) logits, as the peer does
                    }
                }
                if (i >= 0) {
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                    ms[iters + i] = (CPU.getProcessCpuTime() - c0) / 1e6;
                }
            }
            return ms;
        }
    }

    static JsonObject summary(double[] wallAndCpu, int batch) {
        int n = wallAndCpu.length / 2;
        double[] ms = Arrays.copyOf(wallAndCpu, n);
        double[] cpu = Arrays.copyOfRange(wallAndCpu, n, 2 * n);
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = sorted.length % 2 == 1
                ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        JsonObject o = new JsonObject();
        o.addProperty("median_ms", median);
        o.addProperty("min_ms", sorted[0]);
        o.addProperty("max_ms", sorted[sorted.length - 1]);
        o.addProperty("images_per_s", batch * 1000.0 / median);
        JsonArray all = new JsonArray();
        for (double v : ms) {
            all.add(Math.round(v * 10) / 10.0);
        }
        o.add("ms", all);
        double[] cpuSorted = cpu.clone();
        Arrays.sort(cpuSorted);
        o.addProperty("median_cpu_ms", cpuSorted[n / 2]);
        return o;
    }

    private static String fmt2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String table(JsonObject ours, JsonObject peer, List<String> modes) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "backbone images/s: batch %d, %dx%d, %s threads, %s (images/s: median and best of the timed iterations)%n",
                ours.get("batch").getAsInt(),
                ours.get("size").getAsInt(),
                ours.get("size").getAsInt(),
                ours.get("threads").getAsString(),
                ours.get("device").getAsString()));
        if (peer != null) {
            sb.append("peer: ")
                    .append(peer.has("engine") ? peer.get("engine").getAsString() : "torchvision")
                    .append(", threads ")
                    .append(peer.get("threads"))
                    .append('\n');
        }
        String fmt = "%-18s %-8s %10s %12s %6s   %10s %12s %6s   %10s %12s%n";
        sb.append(String.format(
                Locale.ROOT, fmt, "", "", "images/s", "(median)", "", "images/s", "(best)", "", "CPU ms", "per iter"));
        sb.append(String.format(
                Locale.ROOT,
                fmt,
                "arch",
                "mode",
                "cardinal",
                "torchvision",
                "ratio",
                "cardinal",
                "torchvision",
                "ratio",
                "cardinal",
                "torchvision"));
        for (Map.Entry<String, JsonElement> e : ours.getAsJsonObject("results").entrySet()) {
            for (String mode : modes) {
                JsonObject c = e.getValue().getAsJsonObject().getAsJsonObject(mode);
                JsonObject pr =
                        peer == null ? null : peer.getAsJsonObject("results").getAsJsonObject(e.getKey());
                JsonObject p = pr != null && pr.has(mode) ? pr.getAsJsonObject(mode) : null;
                int batch = ours.get("batch").getAsInt();
                double cMed = c.get("images_per_s").getAsDouble();
                double cBest = batch * 1000.0 / c.get("min_ms").getAsDouble();
                String pMed = "-", pBest = "-", rMed = "-", rBest = "-", pCpu = "-";
                String cCpu = String.format(
                        Locale.ROOT, "%.0f", c.get("median_cpu_ms").getAsDouble());
                if (p != null) {
                    double pm = p.get("images_per_s").getAsDouble();
                    double pb = batch * 1000.0 / p.get("min_ms").getAsDouble();
                    pMed = fmt2(pm);
                    pBest = fmt2(pb);
                    rMed = fmt2(cMed / pm);
                    rBest = fmt2(cBest / pb);
                    if (p.has("median_cpu_ms")) {
                        pCpu = String.format(
                                Locale.ROOT, "%.0f", p.get("median_cpu_ms").getAsDouble());
                    }
                }
                String label = mode.equals("train") ? "fwd+bwd" : "forward";
                sb.append(String.format(
                        Locale.ROOT,
                        fmt,
                        e.getKey(),
                        label,
                        fmt2(cMed),
                        pMed,
                        rMed,
                        fmt2(cBest),
                        pBest,
                        rBest,
                        cCpu,
                        pCpu));
            }
        }
        if (peer != null) {
            sb.append("ratio = cardinal / torchvision images/s (> 1: Cardinal is faster); CPU ms = process CPU time"
                    + " per iteration (all threads), the steadier measure on a busy machine\n");
        }
        return sb.toString();
    }
}
