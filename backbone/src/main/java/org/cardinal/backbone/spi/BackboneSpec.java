package org.cardinal.backbone.spi;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import org.cardinal.backbone.Complexity;
import org.cardinal.core.config.ConfigPath;

/**
 * One configured backbone architecture, as a {@link BackboneProvider} reads it from its config
 * section: what a detector, a pretraining run, a comparison or a model-zoo artifact records about
 * its backbone. Implementations are immutable and compare by value.
 */
public interface BackboneSpec {

    /** @return the provider's type name, e.g. {@code resnet} */
    String type();

    /** @return the architecture's name, e.g. {@code resnext50_32x4d} */
    String name();

    /**
     * @return the architecture in a few words for reports and tables, e.g. {@code bottleneck [3,
     *     4, 6, 3], 32x4d}
     */
    String summary();

    /** @return outputs of the classification top (pretraining) */
    int numClasses();

    /**
     * @param classes outputs of the classification top
     * @return the same architecture with that many classes
     */
    BackboneSpec withNumClasses(int classes);

    /** @return the output maps the built network returns, in order, strides increasing */
    List<FeatureShape> featureShapes();

    /**
     * @param height input height in pixels
     * @param width input width in pixels
     * @param includeTop whether to count the classification top
     * @return parameters and multiply-adds, per stage and in total, without building the network
     */
    Complexity complexity(long height, long width, boolean includeTop);

    /**
     * @param options normalization, frozen stages and top
     * @return the network, uninitialized
     */
    FeatureExtractor build(BuildOptions options);

    /**
     * How torchvision (or timm) names a parameter of the network, so that their checkpoints load by
     * name. The default: the same name (a network laid out as torchvision's).
     *
     * @param parameterName a parameter's path in the built network, e.g. {@code layer1.0.conv1.weight}
     * @return its name in a torchvision (or timm) classifier's state dict
     */
    default String torchvisionName(String parameterName) {
        return parameterName;
    }

    /**
     * @return the config section that reads back to this spec through {@link Backbones#fromJson}:
     *     every field written, {@code type} included
     */
    JsonObject toJson();

    /**
     * Reads a config's {@code backbone} field (see {@link Backbones#fromJson}); the config binder
     * calls this for every field of this type.
     *
     * @param json a name, a file, or an object with an optional {@code type}
     * @param at where it sits, for error messages
     * @return the spec
     */
    static BackboneSpec fromJson(JsonElement json, ConfigPath at) {
        return Backbones.fromJson(json, at);
    }
}
