package org.cardinal.backbone.pretrain;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.backbone.weights.TensorData;

/**
 * Writes a trained classifier as backbone weights: a torchvision {@code ResNet} state_dict
 * ({@code conv1.weight}, {@code layer1.0.bn1.running_mean}, ..., {@code fc.weight}), the same
 * format and names as imported torchvision weights, so {@code torchvision.models.resnet50()
 * .load_state_dict(...)} and the detector's backbone loader both accept it. {@code .safetensors}
 * or {@code .pth} by file name; written atomically.
 *
 * <p>BatchNorm's {@code num_batches_tracked} is set to the number of training steps, as torchvision
 * would have counted; the safetensors metadata records the architecture and the class names.
 */
public final class BackboneExport {
    private BackboneExport() {}

    /** Exports {@code net} to {@code file}. */
    public static void write(FeatureExtractor net, Path file, long steps, List<String> classes) throws IOException {
        StateDict sd = StateDicts.export(net);
        List<String> counters = new ArrayList<>();
        for (String name : sd.keys()) {
            if (name.endsWith("." + StateDicts.NUM_BATCHES_TRACKED)) {
                counters.add(name);
            }
        }
        for (String name : counters) {
            sd.put(name, TensorData.ofLongs(new long[] {steps}));
        }
        sd.metadata().put("format", "pt");
        sd.metadata().put("arch", net.spec().toJson().toString());
        sd.metadata().put("classes", String.join("\n", classes));
        sd.write(file);
    }
}
