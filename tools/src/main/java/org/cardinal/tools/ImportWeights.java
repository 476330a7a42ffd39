package org.cardinal.tools;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cardinal.backbone.spi.Backbones;
import org.cardinal.backbone.weights.LoadReport;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.backbone.weights.TensorData;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.cli.ToolOptions;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.DetectorWeights;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.FasterRcnnFactory;
import org.cardinal.detector.zoo.DetectorArtifact;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tools/import-weights}: turns a torchvision Faster R-CNN checkpoint ({@code .pth} or
 * {@code .safetensors}, e.g. {@code fasterrcnn_resnet50_fpn_coco-258fb6c6.pth}, one with a
 * ResNeXt FPN backbone, or a C4 detector built from torchvision's parts with res5 in the box head,
 * see docs/c4-parity.md) into a model-zoo artifact. The architecture is read from the tensors
 * (depth from the number of blocks, cardinality and width from the grouped 3x3 conv, FPN or C4
 * from the names, number of classes from the classifier); the file is read by the safe reader,
 * nothing in it runs.
 */
public final class ImportWeights {

    /** The options of {@code tools/import-weights}. */
    @Command(
            name = "tools/import-weights",
            description = {
                "Writes a model artifact (artifact.json, config.json, synset.txt, model.safetensors) for"
                        + " tools/predict, tools/evaluate and DJL Criteria."
            })
    static final class Options extends ToolOptions {
        @Option(
                names = "--weights",
                required = true,
                paramLabel = "FILE.pth|FILE.safetensors",
                description = "torchvision weights to import")
        Path weights;

        @Option(names = "--output", paramLabel = "DIR", description = "artifact folder (default runs/zoo/<id>)")
        Path output;

        @Option(
                names = "--id",
                paramLabel = "NAME",
                description = "artifact id (default: the file name without extension)")
        String id;

        @Option(
                names = "--arch",
                paramLabel = "BACKBONE",
                description = "backbone name, replacing the config's and what the tensors tell (configs/backbones/)")
        String arch;

        @Option(
                names = "--classes",
                paramLabel = "FILE",
                description = "class names, one per line for labels 1..K (default: COCO's names for 91 classes)")
        Path classes;

        @Option(
                names = "--config",
                paramLabel = "MODEL.json",
                description = "model config JSON: the fields it sets stand (e.g. min_size, backbone); variant,"
                        + " backbone and num_classes it leaves out are read from the tensors")
        Path config;
    }

    private static final Pattern BLOCK = Pattern.compile("^backbone\\.body\\.layer(\\d)\\.(\\d+)\\.");

    private ImportWeights() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(new Options(), argv, options -> run(options, System.out));
    }

    static DetectorArtifact run(Options args, PrintStream out) throws Exception {
        Path weights = args.weights;
        Path output = args.output;
        String id = args.id;
        String arch = args.arch;
        Path classesFile = args.classes;
        Path configFile = args.config;
        if (!Files.isRegularFile(weights)) {
            throw new IllegalArgumentException("--weights " + weights + ": no such file");
        }
        StateDict sd = StateDict.read(weights);
        if (id == null) {
            id = weights.getFileName().toString().replaceFirst("\\.(pth|pt|safetensors|bin)$", "");
        }
        JsonObject model = new JsonObject();
        Integer configClasses = null;
        if (configFile != null) {
            DetectorConfig given = DetectorConfig.load(configFile); // its errors name the config file
            // Only the fields it sets: the others take the defaults of the checkpoint's variant.
            model = JsonFiles.readObject(configFile);
            configClasses = model.has("num_classes") ? given.numClasses() : null;
        }
        if (!model.has("variant")) {
            // A variant the config sets and the file contradicts fails to load, naming a parameter.
            model.addProperty("variant", DetectorWeights.variant(sd).name().toLowerCase(Locale.ROOT));
        }
        // The config's own fields stand and the tensors tell the rest; --arch names the backbone. A
        // backbone that does not fit the tensors fails to load, naming a parameter.
        if (arch != null) {
            model.addProperty("backbone", arch);
        } else if (!model.has("backbone")) {
            model.addProperty("backbone", inferBackbone(DetectorWeights.modernNames(sd), weights));
        }
        int numClasses = numClasses(sd, weights);
        if (configClasses != null && configClasses != numClasses) {
            throw new IllegalArgumentException(configFile + ": field 'num_classes' is " + configClasses
                    + " but the classifier of " + weights + " has " + numClasses + " outputs (classes + background)");
        }
        model.addProperty("num_classes", numClasses);
        DetectorConfig config = DetectorConfig.fromJson(model, ConfigPath.root(weights.toString()));
        String variant = config.variant().name().toLowerCase(Locale.ROOT);

        List<String> names = classesFile != null
                ? readClasses(classesFile)
                : numClasses == CocoNames.TORCHVISION.size() ? CocoNames.TORCHVISION.subList(1, numClasses) : null;
        int[] ids = new int[numClasses - 1];
        if (names == null) {
            names = new ArrayList<>();
            for (int i = 1; i < numClasses; i++) {
                names.add("class_" + i);
            }
        }
        if (names.size() != numClasses - 1) {
            throw new IllegalArgumentException((classesFile != null ? classesFile : weights) + ": " + names.size()
                    + " class names for a classifier of " + numClasses + " classes (expected " + (numClasses - 1)
                    + ", background excluded)");
        }
        for (int i = 0; i < ids.length; i++) {
            // torchvision trains COCO with label = category id (91 outputs, unused ids included)
            ids[i] = i + 1;
        }
        Path target = output != null ? output : Path.of("runs", "zoo", id);
        try (NDManager manager = NDManager.newBaseManager()) {
            FasterRcnn net = FasterRcnnFactory.create(config);
            net.initialize(manager, DataType.FLOAT32);
            LoadReport report = DetectorWeights.loadTorchvision(net, sd, true);
            DetectorArtifact artifact = new DetectorArtifact(
                            id,
                            "imported from " + weights.getFileName() + " ("
                                    + config.backbone().name() + ", " + variant + ")",
                            config,
                            names,
                            ids,
                            weights.toAbsolutePath().toString(),
                            null)
                    .write(target, StateDicts.export(net));
            out.printf(
                    Locale.ROOT,
                    "%s: %s Faster R-CNN %s, %d classes, %d tensors loaded -> %s%n",
                    weights,
                    config.backbone().name(),
                    variant.toUpperCase(Locale.ROOT),
                    numClasses,
                    report.loaded().size(),
                    target);
            return artifact;
        }
    }

    /** Backbone name from the tensor shapes, e.g. resnet50, resnext50_32x4d, resnext101_32x8d. */
    static String inferBackbone(StateDict sd, Path file) {
        int[] blocks = new int[5];
        for (String k : sd.keys()) {
            Matcher m = BLOCK.matcher(k);
            if (m.find()) {
                int layer = Integer.parseInt(m.group(1));
                blocks[layer] = Math.max(blocks[layer], Integer.parseInt(m.group(2)) + 1);
            }
        }
        TensorData conv2 = sd.get("backbone.body.layer1.0.conv2.weight");
        if (blocks[1] == 0 || conv2 == null) {
            throw new IllegalArgumentException(file + ": no backbone.body.layer1..4 tensors: not a torchvision "
                    + "Faster R-CNN state_dict (or pass --arch)");
        }
        boolean bottleneck = sd.contains("backbone.body.layer1.0.conv3.weight");
        int depth = (bottleneck ? 3 : 2) * (blocks[1] + blocks[2] + blocks[3] + blocks[4]) + 2;
        String name;
        if (!bottleneck) {
            name = "resnet" + depth;
        } else {
            long width = conv2.shape()[0];
            long perGroup = conv2.shape()[1];
            long groups = width / perGroup;
            name = groups == 1 ? "resnet" + depth : "resnext" + depth + "_" + groups + "x" + perGroup + "d";
        }
        if (!Backbones.names().contains(name)) {
            throw new IllegalArgumentException(file + ": the tensors describe a '" + name + "' backbone, which has no "
                    + "config in configs/backbones (known: " + String.join(", ", Backbones.names())
                    + "); pass --arch NAME");
        }
        return name;
    }

    static int numClasses(StateDict sd, Path file) {
        TensorData cls = sd.get("roi_heads.box_predictor.cls_score.weight");
        if (cls == null) {
            throw new IllegalArgumentException(file + ": missing roi_heads.box_predictor.cls_score.weight: not a "
                    + "torchvision Faster R-CNN state_dict");
        }
        return (int) cls.shape()[0];
    }

    private static List<String> readClasses(Path file) throws java.io.IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--classes " + file + ": no such file");
        }
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        return names;
    }
}
