package org.cardinal.vgg;

import com.google.gson.JsonObject;
import java.util.List;
import org.cardinal.backbone.spi.BackboneProvider;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.core.config.ConfigPath;

/**
 * The backbone type {@code vgg} ({@link VggConfig}, {@link VggNet}), registered in this jar's
 * {@code META-INF/services/org.cardinal.backbone.spi.BackboneProvider}. Ships one configuration,
 * {@code vgg_mini}: widths 16, 32, 64, 128, one convolution a stage.
 */
public final class VggProvider implements BackboneProvider {

    /** The type name. */
    public static final String TYPE = "vgg";

    /** The shipped configuration's name. */
    public static final String MINI = "vgg_mini";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public List<String> names() {
        return List.of(MINI);
    }

    @Override
    public BackboneSpec named(String name) {
        if (!MINI.equals(name)) {
            throw new IllegalArgumentException("unknown vgg backbone '" + name + "'; known: " + MINI);
        }
        return new VggConfig(MINI, new int[] {16, 32, 64, 128}, new int[] {1, 1, 1, 1}, 10);
    }

    @Override
    public BackboneSpec fromJson(JsonObject section, String defaultName, ConfigPath at) {
        return VggConfig.fromSection(section, defaultName, at);
    }
}
