package org.cardinal.tools;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.tracker.Tracker;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.cardinal.core.train.MomentumSgd;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.detector.Detections;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.DetectorWeights;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.Target;

/**
 * Times Faster R-CNN FPN training iterations and inference on synthetic images: Cardinal's {@link
 * FasterRcnn} (torchvision default heads, 91 classes) with R50 / X50-32x4d bodies. Given the
 * peer's JSON ({@code tools/bench/detector_peer.py}, torchvision with the same size, batch and
 * threads) it prints both side by side with the ratio Cardinal / torchvision.
 *
 * <p>A training iteration is what the trainer does: losses inside a {@link GradientCollector},
 * the four loss values read to the host, backward of their sum, momentum SGD ({@link MomentumSgd},
 * lr 1e-3, momentum 0.9, weight decay 1e-4) and the gradients zeroed, all in one {@link NDScope}.
 * Inference is {@link FasterRcnn#detect} with the detections read to the host. With {@code
 * --inputs DIR} (what the bench script passes) the model loads the peer's random weights ({@code
 * DIR/<arch>.safetensors}) and runs on the peer's images and boxes ({@code DIR/inputs.safetensors}),
 * so both sides do the same work (same proposals, same sampled RoIs counts). Run it through
 * {@code tools/bench/detector}.
 */
public final class DetectorBenchmark {

    private static final String USAGE = String.join("\n",
            "usage: DetectorBenchmark [--arch resnet50,resnext50_32x4d] [--size 512] [--batch 2] [--boxes 4]",
            "                         [--iters 3] [--warmup 1] [--threads N] [--interop-threads N]",
            "                         [--mode train,infer] [--seed 0] [--stages] [--inputs DIR]",
            "                         [--profile DIR] [--peer PEER.json] [--json OUT]",
            "  --size    min_size = max_size of the model's transform; images are SIZExSIZE",
            "  --stages  also time transform / backbone / rpn / roi_heads / backward / optimizer",
            "  --profile write libtorch's op trace of the last timed step to DIR/cardinal_<arch>_<mode>.json",
            "  --inputs  folder with the peer's inputs.safetensors and <arch>.safetensors",
            "Prefer tools/bench/detector, which runs torchvision with the same settings first.");

    /** Process CPU time: on a shared machine it shows the work done, whatever the wall clock says. */
    static final com.sun.management.OperatingSystemMXBean CPU =
            (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private DetectorBenchmark() {}

    /** Options of one run. */
    record Options(int size, int batch, int boxes, int iters, int warmup, long seed,
            boolean stages, Path inputs, Path profile) {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(USAGE, argv, args -> {
            List<String> archs = Arrays.asList(args.string("--arch", "resnet50,resnext50_32x4d").split(","));
            int size = args.integer("--size", 512);
            int batch = args.integer("--batch", 2);
            int boxes = args.integer("--boxes", 4);
            int iters = args.integer("--iters", 3);
            int warmup = args.integer("--warmup", 1);
            int threads = args.integer("--threads", Runtime.getRuntime().availableProcessors());
            int interop = args.integer("--interop-threads", threads);
            List<String> modes = Arrays.asList(args.string("--mode", "train,infer").split(","));
            long seed = args.integer("--seed", 0);
            boolean stages = args.flag("--stages");
            Path profile = args.path("--profile");
            Path inputs = args.path("--inputs");
            Path peer = args.path("--peer");
            Path json = args.path("--json");
            args.finish();
            if (batch < 1 || size < 64 || iters < 1 || warmup < 0 || boxes < 0 || threads < 1 || interop < 1) {
                throw new IllegalArgumentException(
                        "need --batch, --iters, --threads, --interop-threads >= 1, --size >= 64, --warmup, --boxes >= 0");
            }
            for (String m : modes) {
                if (!m.equals("train") && !m.equals("infer")) {
                    throw new IllegalArgumentException("--mode takes train and/or infer, got '" + m + "'");
                }
            }
            JsonObject peerResults = peer == null ? null : JsonParser.parseString(Files.readString(peer)).getAsJsonObject();
            // Read by DJL's PyTorch engine when it starts, so set before the first Engine call.
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(interop));
            Engine engine = Engine.getEngine("PyTorch");
            Options opt = new Options(size, batch, boxes, iters, warmup, seed, stages, inputs, profile);
            if (profile != null) {
                Files.createDirectories(profile);
            }
            JsonObject out = new JsonObject();
            out.addProperty("impl", "cardinal");
            out.addProperty("engine", engine.getEngineName() + " " + engine.getVersion());
            out.addProperty("threads", threads);
            out.addProperty("interop_threads", interop);
            out.addProperty("batch", batch);
            out.addProperty("size", size);
            out.addProperty("boxes_per_image", boxes);
            out.addProperty("same_weights_and_inputs_as_peer", inputs != null);
            JsonObject results = new JsonObject();
            for (String a : archs) {
                results.add(a.trim(), runArch(engine, a.trim(), modes, opt));
            }
            out.add("results", results);
            System.out.print(table(out, peerResults, modes));
            if (json != null) {
                Path abs = json.toAbsolutePath();
                Path tmp = Files.createTempFile(abs.getParent(), ".bench", ".tmp");
                Files.writeString(tmp, new GsonBuilder().setPrettyPrinting().create().toJson(out), StandardCharsets.UTF_8);
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        });
    }

    private static JsonObject runArch(Engine engine, String arch, List<String> modes, Options opt)
            throws Exception {
        JsonObject model = new JsonObject();
        model.addProperty("backbone", arch);
        model.addProperty("min_size", opt.size());
        model.addProperty("max_size", opt.size());
        DetectorConfig config = DetectorConfig.fromJson(model, "--arch " + arch);
        try (NDManager manager = engine.newBaseManager(Device.cpu())) {
            engine.setRandomSeed((int) opt.seed());
            FasterRcnn net = FasterRcnn.build(config, opt.seed());
            net.initialize(manager, DataType.FLOAT32);
            List<NDArray> images = new ArrayList<>();
            List<Target> targets = new ArrayList<>();
            if (opt.inputs() != null) {
                Path weights = opt.inputs().resolve(arch + ".safetensors");
                DetectorWeights.loadTorchvision(net, weights, true);
                readInputs(opt.inputs().resolve("inputs.safetensors"), opt.batch(), manager, images, targets);
            } else {
                makeInputs(opt, manager, images, targets);
            }
            ParameterStore ps = new ParameterStore(manager, false);
            JsonObject r = new JsonObject();
            for (String mode : modes) {
                boolean train = mode.equals("train");
                MomentumSgd sgd = MomentumSgd.builder()
                        .setLearningRateTracker(Tracker.fixed(1e-3f)).optMomentum(0.9f).optWeightDecay(1e-4f).build();
                List<Parameter> trainable = new ArrayList<>();
                for (Parameter p : net.getParameters().values()) {
                    if (p.requiresGradient()) {
                        trainable.add(p);
                    }
                }
                StageClock clock = opt.stages() ? new StageClock(net) : null;
                List<Double> ms = new ArrayList<>();
                List<Double> cpu = new ArrayList<>();
                List<Map<String, Double>> stageMs = new ArrayList<>();
                int detections = 0;
                for (int i = -opt.warmup(); i < opt.iters(); i++) {
                    boolean profiled = opt.profile() != null && i == opt.iters() - 1;
                    if (profiled) {
                        // libtorch's autograd profiler: every op with its time, as a chrome trace
                        JniUtils.startProfile(false, true, false);
                    }
                    long t0 = System.nanoTime();
                    long c0 = CPU.getProcessCpuTime();
                    Map<String, Double> st = new LinkedHashMap<>();
                    if (train) {
                        trainStep(engine, net, ps, images, targets, sgd, trainable, clock, st);
                    } else {
                        detections = inferStep(net, ps, images, clock, st);
                    }
                    if (profiled) {
                        JniUtils.stopProfile(opt.profile().resolve("cardinal_" + arch + "_" + mode + ".json").toString());
                    }
                    if (i >= 0) {
                        ms.add((System.nanoTime() - t0) / 1e6);
                        cpu.add((CPU.getProcessCpuTime() - c0) / 1e6);
                        stageMs.add(st);
                    }
                    System.err.printf(Locale.ROOT, "cardinal %s %s %s: %.0f ms%n", arch, mode,
                            i < 0 ? "warmup" : "iter " + i, (System.nanoTime() - t0) / 1e6);
                }
                JsonObject s = summary(ms, cpu, stageMs, opt.batch());
                if (!train) {
                    s.addProperty("detections", detections);
                }
                r.add(mode, s);
            }
            return r;
        }
    }

    /**
     * One training iteration as the trainer runs it: every array made by the forward and backward
     * passes is freed when the scope closes. The SGD update runs after the scope, as the trainer's
     * does: its momentum buffers must outlive the step, and it closes its own temporaries.
     */
    private static void trainStep(Engine engine, FasterRcnn net, ParameterStore ps, List<NDArray> images,
            List<Target> targets, MomentumSgd sgd, List<Parameter> trainable, StageClock clock,
            Map<String, Double> st) {
        long t0;
        long c0;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            try (GradientCollector gc = engine.newGradientCollector()) {
                Map<String, NDArray> losses =
                        clock == null ? net.losses(ps, images, targets) : clock.losses(ps, images, targets, st);
                NDArray total = null;
                for (NDArray l : losses.values()) {
                    l.getFloat(); // host read of each loss term, as the trainer logs them
                    total = total == null ? l : total.add(l);
                }
                t0 = System.nanoTime();
                c0 = CPU.getProcessCpuTime();
                gc.backward(total);
            }
        }
        long t1 = System.nanoTime();
        long c1 = CPU.getProcessCpuTime();
        for (Parameter p : trainable) {
            NDArray w = p.getArray();
            try (NDArray g = w.getGradient()) {
                sgd.update(p.getId(), w, g);
                g.subi(g); // PyTorch accumulates into .grad: zero it for the next step
            }
        }
        if (clock != null) {
            st.put("backward", (t1 - t0) / 1e6);
            st.put("backward_cpu", (c1 - c0) / 1e6);
            st.put("optimizer", (System.nanoTime() - t1) / 1e6);
            st.put("optimizer_cpu", (CPU.getProcessCpuTime() - c1) / 1e6);
        }
    }

    /** One inference call; returns the number of detections (read to the host like the peer). */
    private static int inferStep(FasterRcnn net, ParameterStore ps, List<NDArray> images, StageClock clock,
            Map<String, Double> st) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            List<Detections> dets = clock == null ? net.detect(ps, images) : clock.detect(ps, images, st);
            int n = 0;
            for (Detections d : dets) {
                d.boxes().toFloatArray();
                d.scores().toFloatArray();
                n += d.labels().toLongArray().length;
            }
            return n;
        }
    }

    private static void readInputs(Path file, int batch, NDManager manager, List<NDArray> images,
            List<Target> targets) throws java.io.IOException {
        StateDict sd = StateDict.read(file);
        for (int i = 0; i < batch; i++) {
            for (String k : new String[] {"image_", "boxes_", "labels_"}) {
                if (!sd.contains(k + i)) {
                    throw new IllegalArgumentException(file + ": no tensor '" + k + i + "' (written for a smaller --batch?)");
                }
            }
            images.add(sd.get("image_" + i).toNDArray(manager));
            targets.add(new Target(sd.get("boxes_" + i).toNDArray(manager), sd.get("labels_" + i).toNDArray(manager)));
        }
    }

    /** Uniform-noise images and random boxes (sides size/16..size/2), seeded; as the peer draws them. */
    private static void makeInputs(Options opt, NDManager manager, List<NDArray> images, List<Target> targets) {
        Random rnd = new Random(opt.seed());
        int s = opt.size();
        for (int b = 0; b < opt.batch(); b++) {
            float[] px = new float[3 * s * s];
            for (int i = 0; i < px.length; i++) {
                px[i] = rnd.nextFloat();
            }
            images.add(manager.create(px, new Shape(3, s, s)));
            float[] boxes = new float[4 * opt.boxes()];
            long[] labels = new long[opt.boxes()];
            for (int k = 0; k < opt.boxes(); k++) {
                float w = s / 16f + rnd.nextFloat() * (s / 2f - s / 16f);
                float h = s / 16f + rnd.nextFloat() * (s / 2f - s / 16f);
                float x = rnd.nextFloat() * (s - w);
                float y = rnd.nextFloat() * (s - h);
                boxes[4 * k] = x;
                boxes[4 * k + 1] = y;
                boxes[4 * k + 2] = x + w;
                boxes[4 * k + 3] = y + h;
                labels[k] = 1 + rnd.nextInt(90);
            }
            targets.add(new Target(manager.create(boxes, new Shape(opt.boxes(), 4)), manager.create(labels)));
        }
    }

    private static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static JsonObject summary(List<Double> ms, List<Double> cpu, List<Map<String, Double>> stages, int batch) {
        double med = median(ms);
        JsonObject o = new JsonObject();
        o.addProperty("median_ms", med);
        o.addProperty("min_ms", ms.stream().mapToDouble(Double::doubleValue).min().orElse(0));
        o.addProperty("max_ms", ms.stream().mapToDouble(Double::doubleValue).max().orElse(0));
        JsonArray all = new JsonArray();
        ms.forEach(v -> all.add(Math.round(v * 10) / 10.0));
        o.add("ms", all);
        o.addProperty("median_cpu_ms", median(cpu));
        o.addProperty("per_s", 1000.0 / med);
        o.addProperty("images_per_s", batch * 1000.0 / med);
        if (!stages.isEmpty() && !stages.get(0).isEmpty()) {
            JsonObject st = new JsonObject();
            for (String k : stages.get(0).keySet()) {
                st.addProperty(k, Math.round(median(stages.stream().map(s -> s.getOrDefault(k, 0.0)).toList()) * 10) / 10.0);
            }
            o.add("stages_ms", st);
        }
        return o;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v >= 10 ? "%.1f" : "%.3f", v);
    }

    private static String num(JsonObject o, String key) {
        return o != null && o.has(key) ? fmt(o.get(key).getAsDouble()) : "-";
    }

    private static String ratio(JsonObject c, JsonObject p, String key, boolean inverse) {
        if (c == null || p == null || !c.has(key) || !p.has(key)) {
            return "-";
        }
        double a = c.get(key).getAsDouble();
        double b = p.get(key).getAsDouble();
        return String.format(Locale.ROOT, "%.2f", inverse ? b / a : a / b);
    }

    static String table(JsonObject ours, JsonObject peer, List<String> modes) {
        StringBuilder sb = new StringBuilder();
        int batch = ours.get("batch").getAsInt();
        int size = ours.get("size").getAsInt();
        sb.append(String.format(Locale.ROOT,
                "Faster R-CNN FPN, 91 classes: batch %d, %dx%d input (min_size = max_size = %d), %d intra-op / %d inter-op threads, CPU%n",
                batch, size, size, size, ours.get("threads").getAsInt(), ours.get("interop_threads").getAsInt()));
        if (peer != null) {
            sb.append("peer: ").append(peer.get("engine").getAsString()).append(", threads ").append(peer.get("threads"))
                    .append(ours.get("same_weights_and_inputs_as_peer").getAsBoolean() ? "; same weights and inputs" : "")
                    .append('\n');
        }
        String f = "%-16s %-22s %10s %11s %6s  %10s %11s %6s%n";
        sb.append(String.format(Locale.ROOT, f, "", "", "wall", "", "", "process CPU", "", ""));
        sb.append(String.format(Locale.ROOT, f, "arch", "median", "cardinal", "torchvision", "ratio",
                "cardinal", "torchvision", "ratio"));
        for (Map.Entry<String, JsonElement> e : ours.getAsJsonObject("results").entrySet()) {
            for (String mode : modes) {
                JsonObject c = e.getValue().getAsJsonObject().getAsJsonObject(mode);
                JsonObject pr = peer == null ? null : peer.getAsJsonObject("results").getAsJsonObject(e.getKey());
                JsonObject p = pr != null && pr.has(mode) ? pr.getAsJsonObject(mode) : null;
                boolean train = mode.equals("train");
                double unit = train ? 1 : batch;
                double cRate = unit * 1000.0 / c.get("median_ms").getAsDouble();
                double cCpuRate = unit * 1000.0 / c.get("median_cpu_ms").getAsDouble();
                String pRate = p == null ? "-" : fmt(unit * 1000.0 / p.get("median_ms").getAsDouble());
                String pCpuRate = p == null ? "-" : fmt(unit * 1000.0 / p.get("median_cpu_ms").getAsDouble());
                sb.append(String.format(Locale.ROOT, f, e.getKey(), train ? "train iterations/s" : "inference images/s",
                        fmt(cRate), pRate, ratio(c, p, "median_ms", true),
                        fmt(cCpuRate), pCpuRate, ratio(c, p, "median_cpu_ms", true)));
                sb.append(String.format(Locale.ROOT, f, "", "  step ms", num(c, "median_ms"), num(p, "median_ms"), "",
                        num(c, "median_cpu_ms"), num(p, "median_cpu_ms"), ""));
                if (c.has("stages_ms")) {
                    JsonObject cs = c.getAsJsonObject("stages_ms");
                    JsonObject ps = p != null && p.has("stages_ms") ? p.getAsJsonObject("stages_ms") : null;
                    for (String k : cs.keySet()) {
                        if (k.endsWith("_cpu")) {
                            continue;
                        }
                        sb.append(String.format(Locale.ROOT, f, "", "    " + k + " ms", num(cs, k), num(ps, k),
                                ratio(cs, ps, k, true), num(cs, k + "_cpu"), num(ps, k + "_cpu"),
                                ratio(cs, ps, k + "_cpu", true)));
                    }
                }
            }
        }
        if (peer != null) {
            sb.append("ratio = torchvision time / Cardinal time = Cardinal rate / torchvision rate (> 1: Cardinal is faster);\n"
                    + "medians of the timed iterations; process CPU = CPU seconds of all the process's threads\n");
        }
        return sb.toString();
    }
}
