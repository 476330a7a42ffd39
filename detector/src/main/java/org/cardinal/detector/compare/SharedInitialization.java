package org.cardinal.detector.compare;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.FasterRcnnFactory;

/**
 * Which parameters outside the backbone start from the same weights in every arm of a comparison.
 *
 * <p>Every parameter is drawn from its own random stream of (seed, its name) ({@link
 * FasterRcnn#initialize(NDManager, DataType, long)}), so a parameter outside the backbone starts
 * bit-identical in every run of a seed when its initializer does not depend on the backbone. Some
 * do: the FPN's lateral 1x1 convolutions take the stages' channels, in C4 the RPN head takes C4's
 * and the predictor C5's; and a linear layer's bias, whatever its shape, is drawn from a range of
 * 1/sqrt(fan-in) as in PyTorch, so the C4 predictor's biases differ too. This check builds and
 * initializes each arm's detector at the comparison's first seed, on the CPU (nothing trained,
 * everything released) and compares the initial values of every parameter outside the backbone, so that the
 * report and the console claim no more than holds, and name the rest by name and shape.
 *
 * <p>The backbone is the detector's {@code backbone.body} (in C4 it also serves as the box head,
 * res5): its parameters are what the swap changes and are not listed.
 *
 * @param backbones the arms, the reference first
 * @param shared parameters outside the backbone that start bit-identical in every arm, in model
 *     order
 * @param differing the other parameters outside the backbone, in model order
 */
public record SharedInitialization(List<String> backbones, List<String> shared, List<Differing> differing) {

    /** What a shape is called where an arm has no such parameter. */
    public static final String ABSENT = "absent";

    /**
     * A parameter outside the backbone that cannot start identical in every arm.
     *
     * @param parameter its torchvision name, e.g. {@code backbone.fpn.inner_blocks.0.0.weight}
     * @param shapes its shape in each arm, in the order of {@link #backbones()}, e.g. {@code [64,
     *     256, 1, 1]}, or {@link #ABSENT}
     */
    public record Differing(String parameter, List<String> shapes) {

        /** Shapes as an immutable list. */
        public Differing {
            shapes = List.copyOf(shapes);
        }

        /** @return the detector part it belongs to, in words (FPN, RPN head, box head, predictor) */
        public String part() {
            return partOf(parameter);
        }

        /** @return whether its shape differs between arms (otherwise its initial range does) */
        public boolean shapeDiffers() {
            return shapes.stream().distinct().count() > 1;
        }
    }

    /** Lists as immutable lists. */
    public SharedInitialization {
        backbones = List.copyOf(backbones);
        shared = List.copyOf(shared);
        differing = List.copyOf(differing);
    }

    /**
     * Builds and initializes the detector of every arm and compares the initial values of their
     * parameters outside the backbone.
     *
     * @param model the model config every arm shares (its backbone is replaced by each arm's)
     * @param backbones the arms, the reference first
     * @param seed the seed the detectors are initialized with
     * @return the check
     */
    public static SharedInitialization of(DetectorConfig model, List<BackboneSpec> backbones, long seed) {
        List<Map<String, Initial>> arms = new ArrayList<>();
        for (BackboneSpec b : backbones) {
            arms.add(headParameters(model.withBackbone(b), seed));
        }
        Set<String> names = new LinkedHashSet<>();
        arms.forEach(a -> names.addAll(a.keySet()));
        List<String> shared = new ArrayList<>();
        List<Differing> differing = new ArrayList<>();
        for (String name : names) {
            if (arms.stream().map(a -> a.get(name)).distinct().count() == 1
                    && arms.get(0).containsKey(name)) {
                shared.add(name);
            } else {
                differing.add(new Differing(
                        name,
                        arms.stream()
                                .map(a -> a.containsKey(name) ? a.get(name).shape() : ABSENT)
                                .toList()));
            }
        }
        return new SharedInitialization(
                backbones.stream().map(BackboneSpec::name).toList(), shared, differing);
    }

    /** @return whether every parameter outside the backbone starts identical in every arm */
    public boolean complete() {
        return differing.isEmpty();
    }

    /** @return one sentence: how many parameters outside the backbone start identical */
    public String summary() {
        int total = shared.size() + differing.size();
        if (complete()) {
            return "every part but the backbone starts from the same weights in every run of a seed (all " + total
                    + " parameter tensors outside the backbone start bit-identical in every arm)";
        }
        return String.format(
                Locale.ROOT,
                "%d of the %d parameter tensors outside the backbone start from the same weights in every run of a "
                        + "seed; %d cannot, their shapes or initial ranges following the backbone's (%s)",
                shared.size(),
                total,
                differing.size(),
                String.join(", ", parts()));
    }

    /**
     * @return one line per parameter that cannot start identical: its name, its part and its shape
     *     in each arm (none when the check is complete)
     */
    public List<String> warnings() {
        List<String> out = new ArrayList<>();
        for (Differing d : differing) {
            StringBuilder b = new StringBuilder(d.parameter())
                    .append(" (")
                    .append(d.part())
                    .append(") starts from different weights, ");
            if (d.shapeDiffers()) {
                b.append("its shape following the backbone's:");
                for (int i = 0; i < backbones.size(); i++) {
                    b.append(i == 0 ? " " : ", ")
                            .append(d.shapes().get(i))
                            .append(" in ")
                            .append(backbones.get(i));
                }
            } else {
                b.append("its shape ")
                        .append(d.shapes().get(0))
                        .append(
                                " in every arm but its initial range following the backbone's (the fan-in of its layer)");
            }
            out.add(b.toString());
        }
        return out;
    }

    /** @return the parts that hold a differing parameter, in model order, each once */
    public List<String> parts() {
        return differing.stream().map(Differing::part).distinct().toList();
    }

    /** A parameter's initial state: its shape and a digest of its values. */
    private record Initial(String shape, String digest) {}

    /** The parameters outside the backbone body of the detector a config describes, initialized. */
    private static Map<String, Initial> headParameters(DetectorConfig config, long seed) {
        FasterRcnn model = FasterRcnnFactory.create(config);
        Map<String, Initial> out = new LinkedHashMap<>();
        // on the CPU, whatever the runs train on: the check must not take a GPU's memory from them
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            model.initialize(m, DataType.FLOAT32, seed);
            Set<String> body = new HashSet<>();
            for (Pair<String, Parameter> p : model.backbone().body().getParameters()) {
                body.add(p.getValue().getId());
            }
            for (Map.Entry<String, Parameter> e :
                    StateDicts.namedParameters(model).entrySet()) {
                if (!body.contains(e.getValue().getId())) {
                    NDArray a = e.getValue().getArray();
                    out.put(e.getKey(), new Initial(Arrays.toString(a.getShape().getShape()), sha256(a.toByteArray())));
                }
            }
        }
        return out;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static String partOf(String parameter) {
        if (parameter.startsWith("backbone.fpn.")) {
            return "FPN";
        }
        if (parameter.startsWith("rpn.head.")) {
            return "RPN head";
        }
        if (parameter.startsWith("roi_heads.box_head.")) {
            return "box head";
        }
        if (parameter.startsWith("roi_heads.box_predictor.")) {
            return "predictor";
        }
        int second = parameter.indexOf('.', parameter.indexOf('.') + 1);
        return second < 0 ? parameter : parameter.substring(0, second);
    }
}
