package org.cardinal.detector;

import ai.djl.nn.Block;
import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.backbone.weights.LoadReport;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.backbone.weights.StateDicts;

/**
 * Loads torchvision Faster R-CNN checkpoints ({@code .pth} or {@code .safetensors}, e.g. {@code
 * fasterrcnn_resnet50_fpn_coco-258fb6c6.pth}, or a C4 detector assembled from torchvision's parts,
 * see docs/c4-parity.md) into a {@link FasterRcnn} by parameter name, and ImageNet classifier
 * checkpoints into its backbone body. Reading is the backbone module's safe reader: nothing in
 * the file is executed.
 */
public final class DetectorWeights {

    /**
     * torchvision before 0.13 stored the FPN and RPN convs as bare {@code nn.Conv2d}; its own
     * {@code _load_from_state_dict} renames them to the {@code Conv2dNormActivation} paths, so do
     * the same.
     */
    private static final Pattern LEGACY_FPN =
            Pattern.compile("^(backbone\\.fpn\\.(?:inner|layer)_blocks\\.\\d+)\\.(weight|bias)$");

    private static final Pattern LEGACY_RPN = Pattern.compile("^(rpn\\.head\\.conv)\\.(weight|bias)$");

    /**
     * torchvision has no C4 model; built from its parts, res5 is part of the box head, e.g.
     * {@code nn.Sequential(layer4, AdaptiveAvgPool2d(1), Flatten())}: {@code
     * roi_heads.box_head.0.<block>.*} ({@code .layer4.} when the Sequential names it). This
     * detector keeps res5 where the ResNet has it, {@code backbone.body.layer4.*}, so that an
     * ImageNet checkpoint fills it. Only a residual block's children match, not the conv/BN layers
     * of another head.
     */
    private static final Pattern C4_BOX_HEAD =
            Pattern.compile("^roi_heads\\.box_head\\.(?:0|layer4)\\." + "(\\d+\\.(?:conv\\d|bn\\d|downsample)\\..+)$");

    /** torchvision's {@code IntermediateLayerGetter} as the backbone, without {@code body}. */
    private static final Pattern BARE_BODY = Pattern.compile("^backbone\\.((?:conv1|bn1|layer[1-4])\\..+)$");

    private DetectorWeights() {}

    /**
     * Loads a torchvision detection checkpoint.
     *
     * @param model an initialized detector whose config matches the checkpoint (backbone,
     *     num_classes)
     * @param file {@code .pth} or {@code .safetensors}
     * @param strict whether a missing or unexpected parameter is an error
     * @return what was loaded, missing and unexpected
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming the file and parameter on a mismatch
     */
    public static LoadReport loadTorchvision(FasterRcnn model, Path file, boolean strict) throws IOException {
        return loadTorchvision(model, StateDict.read(file, StateDicts.parameterBytes(model)), strict);
    }

    /**
     * @param model an initialized detector
     * @param sd a torchvision Faster R-CNN state dict
     * @param strict whether a missing or unexpected parameter is an error
     * @return what was loaded, missing and unexpected
     */
    public static LoadReport loadTorchvision(FasterRcnn model, StateDict sd, boolean strict) {
        checkVariant(model.backbone(), sd);
        return StateDicts.load(model, modernNames(sd), "", strict);
    }

    /**
     * The variant a torchvision detector checkpoint was trained as, from its parameter names.
     *
     * @param sd a detector state dict
     * @return FPN if it has {@code backbone.fpn.*} parameters, else C4
     */
    public static DetectorConfig.Variant variant(StateDict sd) {
        return firstFpnName(sd) != null ? DetectorConfig.Variant.FPN : DetectorConfig.Variant.C4;
    }

    /**
     * A checkpoint of the other variant would fail on dozens of names and shapes; say what is wrong
     * instead, naming one parameter that shows it. Only whole detectors (with an RPN) built on one
     * of Cardinal's backbones are checked.
     */
    private static void checkVariant(DetectionBackbone backbone, StateDict sd) {
        boolean fpnModel = backbone instanceof BackboneWithFpn;
        if (sd.keys().stream().noneMatch(k -> k.startsWith("rpn.")) || !(fpnModel || backbone instanceof C4Backbone)) {
            return;
        }
        String from = sd.source() == null ? "state dict" : sd.source().toString();
        String fpn = firstFpnName(sd);
        if (!fpnModel && fpn != null) {
            throw new IllegalArgumentException(from + ": parameter '" + fpn + "' belongs to an FPN"
                    + " detector, but the model config is C4 (variant \"c4\")");
        }
        if (fpnModel && fpn == null) {
            String res5 = sd.keys().stream()
                    .filter(k -> C4_BOX_HEAD.matcher(k).matches())
                    .findFirst()
                    .orElse(null);
            String why = res5 != null
                    ? "parameter '" + res5 + "' is the res5 box head of a C4 detector"
                    : "no parameter 'backbone.fpn.inner_blocks.0.0.weight': a C4 detector";
            throw new IllegalArgumentException(from + ": " + why + ", but the model config is FPN (variant \"fpn\")");
        }
    }

    private static String firstFpnName(StateDict sd) {
        return sd.keys().stream()
                .filter(k -> k.startsWith("backbone.fpn."))
                .findFirst()
                .orElse(null);
    }

    /**
     * Loads an ImageNet classifier state dict ({@code conv1.weight}, {@code layer1.0...}, {@code
     * fc.*} ignored) or the {@code backbone.body.*} part of a detector checkpoint into the body.
     *
     * @param model an initialized detector
     * @param file {@code .pth} or {@code .safetensors}
     * @return what was loaded
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if a body parameter is missing or has another shape
     */
    public static LoadReport loadBackbone(FasterRcnn model, Path file) throws IOException {
        // A C4 detector's res5 may sit in its box head; the body takes it as layer4.
        StateDict sd = modernNames(StateDict.read(file, StateDicts.parameterBytes(model)));
        FeatureExtractor body = model.backbone().body();
        BackboneSpec spec = body.spec();
        // A classifier checkpoint names the body's parameters as torchvision (or timm) does.
        String prefix = sd.contains(spec.torchvisionName(firstParameter(body))) ? "" : "backbone.body.";
        StateDict named = sd.prefixed("");
        if (prefix.isEmpty()) {
            for (String p : StateDicts.namedParameters(body).keySet()) {
                String theirs = spec.torchvisionName(p);
                if (!theirs.equals(p) && sd.contains(theirs)) {
                    named.put(p, named.remove(theirs));
                }
            }
        }
        LoadReport report = StateDicts.load(body, named, prefix, false);
        if (!report.missing().isEmpty()) {
            throw new IllegalArgumentException(file + ": not a checkpoint of backbone '" + spec.name() + "' (type "
                    + spec.type() + "): missing " + report.missing().size() + " parameter(s), e.g. "
                    + report.missing().get(0));
        }
        return report;
    }

    private static String firstParameter(Block body) {
        return StateDicts.namedParameters(body).keySet().iterator().next();
    }

    /**
     * @param sd a torchvision state dict of any version, FPN or C4
     * @return the same tensors under this detector's names: torchvision 0.13+ names, a C4 box
     *     head's res5 under {@code backbone.body.layer4}
     * @throws IllegalArgumentException naming the source and both parameters when two names of the
     *     file map to the same parameter (res5 saved both in the body and in the box head)
     */
    public static StateDict modernNames(StateDict sd) {
        StateDict out = sd.prefixed(""); // a copy that keeps the source file for error messages
        for (String key : sd.names()) {
            String modern = modernName(key);
            if (!modern.equals(key)) {
                if (sd.contains(modern)) {
                    throw new IllegalArgumentException(
                            (sd.source() == null ? "state dict" : sd.source().toString())
                                    + ": parameters '" + key + "' and '" + modern
                                    + "' are the same parameter of this detector; keep one");
                }
                out.put(modern, out.remove(key));
            }
        }
        return out;
    }

    static String modernName(String key) {
        Matcher fpn = LEGACY_FPN.matcher(key);
        if (fpn.matches()) {
            return fpn.group(1) + ".0." + fpn.group(2);
        }
        Matcher rpn = LEGACY_RPN.matcher(key);
        if (rpn.matches()) {
            return rpn.group(1) + ".0.0." + rpn.group(2);
        }
        Matcher res5 = C4_BOX_HEAD.matcher(key);
        if (res5.matches()) {
            return "backbone.body.layer4." + res5.group(1);
        }
        Matcher bare = BARE_BODY.matcher(key);
        if (bare.matches()) {
            return "backbone.body." + bare.group(1);
        }
        return key;
    }
}
