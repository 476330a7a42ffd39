package org.cardinal.backbone;

import com.google.gson.JsonObject;
import java.util.List;
import org.cardinal.backbone.spi.BackboneProvider;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.core.config.ConfigPath;

/**
 * Cardinal's ResNet/ResNeXt as a {@link BackboneProvider} of type {@code resnet}: its section is a
 * {@link BackboneConfig}, its shipped configurations are {@link BackboneConfig#KNOWN} ({@code
 * configs/backbones/}), its network is a {@link ResNet} with torchvision's parameter names.
 * Registered in {@code META-INF/services} like any plugin.
 */
public final class ResNetProvider implements BackboneProvider {

    /** The type name. */
    public static final String TYPE = "resnet";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public List<String> names() {
        return BackboneConfig.KNOWN;
    }

    @Override
    public String renamed(String name) {
        return BackboneConfig.RENAMED.get(name);
    }

    @Override
    public BackboneSpec named(String name) {
        return BackboneConfig.named(name);
    }

    @Override
    public BackboneSpec fromJson(JsonObject section, String defaultName, ConfigPath at) {
        return BackboneConfig.bind(section, defaultName, at);
    }
}
