package org.cardinal.detector;

import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import ai.djl.nn.Block;
import org.cardinal.backbone.ResNet;
import org.cardinal.backbone.weights.LoadReport;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.backbone.weights.StateDicts;

/**
 * Loads torchvision Faster R-CNN checkpoints ({@code .pth} or {@code .safetensors}, e.g. {@code
 * fasterrcnn_resnet50_fpn_coco-258fb6c6.pth}) into a {@link FasterRcnn} by parameter name, and
 * ImageNet classifier checkpoints into its backbone body. Reading is the backbone module's safe
 * reader: nothing in the file is executed.
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
    public static LoadReport loadTorchvision(FasterRcnn model, Path file, boolean strict)
            throws IOException {
        return loadTorchvision(model, StateDict.read(file), strict);
    }

    /**
     * @param model an initialized detector
     * @param sd a torchvision Faster R-CNN state dict
     * @param strict whether a missing or unexpected parameter is an error
     * @return what was loaded, missing and unexpected
     */
    public static LoadReport loadTorchvision(FasterRcnn model, StateDict sd, boolean strict) {
        return StateDicts.load(model, modernNames(sd), "", strict);
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
        StateDict sd = StateDict.read(file);
        String prefix = sd.contains("conv1.weight") ? "" : "backbone.body.";
        Block body = model.backbone().body();
        LoadReport report = StateDicts.load(body, sd, prefix, false);
        if (!report.missing().isEmpty()) {
            String name = body instanceof ResNet r ? r.config().name() : body.getClass().getSimpleName();
            throw new IllegalArgumentException(
                    file + ": not a checkpoint of backbone '" + name + "': missing "
                            + report.missing().size() + " parameter(s), e.g. " + report.missing().get(0));
        }
        return report;
    }

    /**
     * @param sd a torchvision state dict of any version
     * @return the same tensors under torchvision 0.13+ names
     */
    static StateDict modernNames(StateDict sd) {
        StateDict out = sd.prefixed(""); // a copy that keeps the source file for error messages
        for (String key : sd.names()) {
            String modern = modernName(key);
            if (!modern.equals(key)) {
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
        return key;
    }
}
