package org.cardinal.tools;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.tracker.Tracker;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.cli.ToolOptions;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.core.io.AtomicFiles;
import org.cardinal.core.train.MomentumSgd;
import org.cardinal.detector.Detections;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.DetectorWeights;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.FasterRcnnFactory;
import org.cardinal.detector.StageListener;
import org.cardinal.detector.StageTimes;
import org.cardinal.detector.data.DetectionSample;
import org.cardinal.detector.train.DeviceSelection;
import org.cardinal.detector.train.TrainingStep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Times Faster R-CNN training iterations and inference on synthetic images through the production
 * code path: a training iteration is one {@link TrainingStep#run} (the trainer's own step: the
 * losses read to the host, backward, momentum SGD, all in the trainer's scopes; with several
 * devices, one replica per device on its own thread) and inference is {@link FasterRcnn#detect}
 * with the detections read to the host. Per-stage times come from the {@link StageTimes} listener
 * that the model and the step call; nothing is re-implemented here. Peak memory is measured per
 * architecture and mode: the process's peak resident set on the CPU (Linux VmHWM, reset before
 * each measurement), the device memory in use (driver view, sampled after every iteration) on a
 * GPU. Given the peer's JSON ({@code tools/bench/detector_peer.py}, torchvision with the same
 * size, batch, threads and the same measurements) it prints both side by side with the ratio.
 *
 * <p>With {@code --inputs DIR} (what the bench scripts pass) the model loads the peer's random
 * weights ({@code DIR/<arch>.safetensors}) and runs on the peer's images and boxes ({@code
 * DIR/inputs.safetensors}), so both sides do the same work.
 */
public final class DetectorBenchmark {

    /** The options of the detector benchmark. */
    @Command(
            name = "DetectorBenchmark",
            description =
                    "Prefer tools/bench/detector or tools/bench/gpu, which run torchvision with the same settings.")
    static final class Options extends ToolOptions {
        @Option(names = "--arch", paramLabel = "LIST", description = "architectures (default resnet50,resnext50_32x4d)")
        String arch = "resnet50,resnext50_32x4d";

        @Option(
                names = "--size",
                paramLabel = "S|HxW",
                description =
                        "SxS images (or HxW), min_size/max_size set so that the transform keeps them (default 512)")
        String size = "512";

        @Option(names = "--batch", paramLabel = "N", description = "images per device (default 2)")
        int batch = 2;

        @Option(names = "--boxes", paramLabel = "N", description = "ground-truth boxes per image (default 4)")
        int boxes = 4;

        @Option(names = "--iters", paramLabel = "N", description = "timed iterations (default 3)")
        int iters = 3;

        @Option(names = "--warmup", paramLabel = "N", description = "untimed iterations first (default 1)")
        int warmup = 1;

        @Option(names = "--threads", paramLabel = "N", description = "libtorch intra-op threads (default: the cores)")
        int threads = Runtime.getRuntime().availableProcessors();

        @Option(
                names = "--interop-threads",
                paramLabel = "N",
                description = "libtorch inter-op threads (default --threads)")
        Integer interopThreads;

        @Option(
                names = "--devices",
                paramLabel = "cpu|gpu|gpu:0,1",
                description = "where to train: one replica per device (default cpu)")
        String devices = "cpu";

        @Option(
                names = "--replicas",
                paramLabel = "N",
                description = "replicas on the CPU (tests the data-parallel step without GPUs; default 1)")
        int replicas = 1;

        @Option(names = "--mode", paramLabel = "LIST", description = "train and/or infer (default train,infer)")
        String mode = "train,infer";

        @Option(names = "--seed", paramLabel = "N", description = "the seed of the weights and inputs (default 0)")
        long seed;

        @Option(names = "--stages", description = "also report the time of each stage of the production path")
        boolean stages;

        @Option(
                names = "--inputs",
                paramLabel = "DIR",
                description = "folder with the peer's inputs.safetensors and <arch>.safetensors")
        Path inputs;

        @Option(
                names = "--profile",
                paramLabel = "DIR",
                description = "write libtorch's op trace of the last timed step to DIR/cardinal_<arch>_<mode>.json")
        Path profile;

        @Option(names = "--peer", paramLabel = "PEER.json", description = "torchvision's results, printed beside")
        Path peer;

        @Option(names = "--json", paramLabel = "OUT", description = "also write the results to OUT")
        Path json;
    }

    /** Process CPU time: on a shared machine it shows the work done, whatever the wall clock says. */
    static final com.sun.management.OperatingSystemMXBean CPU = (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private DetectorBenchmark() {}

    /** Settings of one run. */
    record Settings(
            int height,
            int width,
            int batch,
            int boxes,
            int iters,
            int warmup,
            long seed,
            boolean stages,
            Path inputs,
            Path profile,
            Device[] devices) {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(new Options(), argv, args -> {
            List<String> archs = Arrays.asList(args.arch.split(","));
            int[] size = size(args.size);
            int batch = args.batch;
            int boxes = args.boxes;
            int iters = args.iters;
            int warmup = args.warmup;
            int threads = args.threads;
            int interop = args.interopThreads != null ? args.interopThreads : threads;
            String devicesOption = args.devices;
            int replicas = args.replicas;
            List<String> modes = Arrays.asList(args.mode.split(","));
            long seed = args.seed;
            boolean stages = args.stages;
            Path profile = args.profile;
            Path inputs = args.inputs;
            Path peer = args.peer;
            Path json = args.json;
            if (batch < 1 || iters < 1 || warmup < 0 || boxes < 0 || threads < 1 || interop < 1 || replicas < 1) {
                throw new IllegalArgumentException(
                        "need --batch, --iters, --threads, --interop-threads, --replicas >= 1, --warmup, --boxes >= 0");
            }
            for (String m : modes) {
                if (!m.equals("train") && !m.equals("infer")) {
                    throw new IllegalArgumentException("--mode takes train and/or infer, got '" + m + "'");
                }
            }
            JsonObject peerResults = peer == null ? null : JsonFiles.readObject(peer);
            // Read by DJL's PyTorch engine when it starts, so set before the first Engine call.
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(interop));
            Engine engine = Engine.getEngine("PyTorch");
            Device[] devices = DeviceSelection.resolve(devicesOption);
            if (replicas > 1) {
                if (devices.length != 1 || devices[0].isGpu()) {
                    throw new IllegalArgumentException("--replicas: only with --devices cpu (use gpu:0,1 for GPUs)");
                }
                devices = java.util.Collections.nCopies(replicas, Device.cpu()).toArray(new Device[0]);
            }
            Settings opt =
                    new Settings(size[0], size[1], batch, boxes, iters, warmup, seed, stages, inputs, profile, devices);
            if (profile != null) {
                Files.createDirectories(profile);
            }
            JsonObject out = new JsonObject();
            out.addProperty("impl", "cardinal");
            out.addProperty("engine", engine.getEngineName() + " " + engine.getVersion());
            out.addProperty("threads", threads);
            out.addProperty("interop_threads", interop);
            out.addProperty("batch", batch);
            out.addProperty("size", size[0] + "x" + size[1]);
            out.addProperty("devices", Arrays.toString(devices));
            out.addProperty("boxes_per_image", boxes);
            out.addProperty("same_weights_and_inputs_as_peer", inputs != null);
            JsonObject results = new JsonObject();
            for (String a : archs) {
                results.add(a.trim(), runArch(a.trim(), modes, opt));
            }
            out.add("results", results);
            System.out.print(DetectorBenchmarkTable.table(out, peerResults, modes));
            if (json != null) {
                AtomicFiles.writeString(json, JsonFiles.pretty(out));
            }
        });
    }

    private static int[] size(String spec) {
        String[] p = spec.toLowerCase(Locale.ROOT).split("x");
        try {
            int h = Integer.parseInt(p[0]);
            int w = p.length > 1 ? Integer.parseInt(p[1]) : h;
            if (p.length <= 2 && h >= 64 && w >= 64) {
                return new int[] {h, w};
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--size: expected S or HxW with sides >= 64, found '" + spec + "'");
    }

    private static JsonObject runArch(String arch, List<String> modes, Settings opt) throws Exception {
        JsonObject model = new JsonObject();
        model.addProperty("backbone", arch);
        model.addProperty("min_size", Math.min(opt.height(), opt.width()));
        model.addProperty("max_size", Math.max(opt.height(), opt.width()));
        DetectorConfig config = DetectorConfig.fromJson(model, ConfigPath.root("--arch " + arch));
        Device first = opt.devices()[0];
        try (NDManager manager = NDManager.newBaseManager(first);
                NDManager host = NDManager.newBaseManager(Device.cpu())) {
            FasterRcnn net = FasterRcnnFactory.create(config);
            net.initialize(manager, DataType.FLOAT32, opt.seed());
            int images = opt.batch() * opt.devices().length;
            List<DetectionSample> samples = new ArrayList<>();
            if (opt.inputs() != null) {
                DetectorWeights.loadTorchvision(net, opt.inputs().resolve(arch + ".safetensors"), true);
                readInputs(opt.inputs().resolve("inputs.safetensors"), images, host, samples);
            } else {
                makeInputs(opt, images, host, samples);
            }
            StageTimes times = new StageTimes();
            StageMemory stageMemory = new StageMemory();
            JsonObject r = new JsonObject();
            for (String mode : modes) {
                boolean train = mode.equals("train");
                MomentumSgd sgd = MomentumSgd.builder()
                        .setLearningRateTracker(Tracker.fixed(1e-3f))
                        .optMomentum(0.9f)
                        .optWeightDecay(1e-4f)
                        .build();
                PeakMemory memory = new PeakMemory(opt.devices());
                List<Double> ms = new ArrayList<>();
                List<Double> cpu = new ArrayList<>();
                int detections = 0;
                try (TrainingStep step = new TrainingStep(net, opt.devices(), sgd, 0)) {
                    if (opt.stages()) {
                        step.setStageListener(times.andThen(stageMemory));
                    }
                    for (int i = -opt.warmup(); i < opt.iters(); i++) {
                        if (i == 0) {
                            times.reset();
                            stageMemory.reset();
                        }
                        boolean profiled = opt.profile() != null && i == opt.iters() - 1;
                        if (profiled) {
                            // libtorch's autograd profiler: every op with its time, as a chrome trace
                            JniUtils.startProfile(false, true, false);
                        }
                        long t0 = System.nanoTime();
                        long c0 = CPU.getProcessCpuTime();
                        if (train) {
                            step.run(samples, i + opt.warmup(), opt.seed(), manager);
                        } else {
                            detections = infer(net, step, samples, first, manager);
                        }
                        if (profiled) {
                            JniUtils.stopProfile(opt.profile()
                                    .resolve("cardinal_" + arch + "_" + mode + ".json")
                                    .toString());
                        }
                        memory.sample();
                        if (i >= 0) {
                            ms.add((System.nanoTime() - t0) / 1e6);
                            cpu.add((CPU.getProcessCpuTime() - c0) / 1e6);
                        }
                        System.err.printf(
                                Locale.ROOT,
                                "cardinal %s %s %s: %.0f ms%n",
                                arch,
                                mode,
                                i < 0 ? "warmup" : "iter " + i,
                                (System.nanoTime() - t0) / 1e6);
                    }
                    step.setStageListener(StageListener.NONE);
                }
                JsonObject s = DetectorBenchmarkTable.summary(ms, cpu, opt.stages() ? times : null, images);
                memory.report(s);
                if (opt.stages()) {
                    stageMemory.report(s);
                }
                if (!train) {
                    s.addProperty("detections", detections);
                }
                r.add(mode, s);
            }
            return r;
        }
    }

    /** Inference on every image of the batch, as {@code detect} runs it; detections read to the host. */
    private static int infer(
            FasterRcnn net, TrainingStep step, List<DetectionSample> samples, Device device, NDManager manager) {
        try (NDScope scope = new NDScope();
                NDManager sub = manager.newSubManager(device)) {
            scope.suppressNotUsedWarning();
            List<NDArray> images = new ArrayList<>();
            for (DetectionSample s : samples) {
                NDArray im = s.image().toDevice(device, true);
                im.attach(sub);
                images.add(im);
            }
            int n = 0;
            for (Detections d : net.detect(step.store(), images)) {
                d.boxes().toFloatArray();
                d.scores().toFloatArray();
                n += d.labels().toLongArray().length;
            }
            return n;
        }
    }

    private static void readInputs(Path file, int batch, NDManager manager, List<DetectionSample> samples)
            throws java.io.IOException {
        StateDict sd = StateDict.read(file);
        for (int i = 0; i < batch; i++) {
            for (String k : new String[] {"image_", "boxes_", "labels_"}) {
                if (!sd.contains(k + i)) {
                    throw new IllegalArgumentException(
                            file + ": no tensor '" + k + i + "' (written for a smaller --batch?)");
                }
            }
            NDArray image = sd.get("image_" + i).toNDArray(manager);
            samples.add(new DetectionSample(
                    i,
                    image,
                    sd.get("boxes_" + i).toNDArray(manager),
                    sd.get("labels_" + i).toNDArray(manager),
                    (int) image.getShape().get(1),
                    (int) image.getShape().get(2),
                    false));
        }
    }

    /** Uniform-noise images and random boxes (sides min/16..min/2), seeded; as the peer draws them. */
    private static void makeInputs(Settings opt, int batch, NDManager manager, List<DetectionSample> samples) {
        Random rnd = new Random(opt.seed());
        int h = opt.height();
        int w = opt.width();
        int s = Math.min(h, w);
        for (int b = 0; b < batch; b++) {
            float[] px = new float[3 * h * w];
            for (int i = 0; i < px.length; i++) {
                px[i] = rnd.nextFloat();
            }
            float[] boxes = new float[4 * opt.boxes()];
            long[] labels = new long[opt.boxes()];
            for (int k = 0; k < opt.boxes(); k++) {
                float bw = s / 16f + rnd.nextFloat() * (s / 2f - s / 16f);
                float bh = s / 16f + rnd.nextFloat() * (s / 2f - s / 16f);
                float x = rnd.nextFloat() * (w - bw);
                float y = rnd.nextFloat() * (h - bh);
                boxes[4 * k] = x;
                boxes[4 * k + 1] = y;
                boxes[4 * k + 2] = x + bw;
                boxes[4 * k + 3] = y + bh;
                labels[k] = 1 + rnd.nextInt(90);
            }
            samples.add(new DetectionSample(
                    b,
                    manager.create(px, new Shape(3, h, w)),
                    manager.create(boxes, new Shape(opt.boxes(), 4)),
                    manager.create(labels),
                    h,
                    w,
                    false));
        }
    }
}
