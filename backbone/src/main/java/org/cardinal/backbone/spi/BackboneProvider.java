package org.cardinal.backbone.spi;

import com.google.gson.JsonObject;
import java.util.List;
import org.cardinal.core.config.ConfigPath;

/**
 * A kind of backbone, found by {@link java.util.ServiceLoader}: a jar that lists its
 * implementation in {@code META-INF/services/org.cardinal.backbone.spi.BackboneProvider} adds a
 * backbone type to every Cardinal tool, config and model-zoo artifact, with no change to Cardinal.
 * Cardinal's own ResNet/ResNeXt is one ({@code org.cardinal.backbone.ResNetProvider}, type {@code
 * resnet}).
 *
 * <p>A config names the type in its backbone section, {@code "backbone": {"type": "vgg", ...}};
 * the rest of the section is the provider's. Implementations need a public no-argument
 * constructor and are used from several threads.
 */
public interface BackboneProvider {

    /** @return the type name configs use, lower case, unique among the providers on the class path */
    String type();

    /** @return the names of the configurations this provider ships ({@code "backbone": "<name>"}) */
    List<String> names();

    /**
     * @param name one of {@link #names()}
     * @return its spec
     * @throws IllegalArgumentException for another name
     */
    BackboneSpec named(String name);

    /**
     * @param name a name that is not one of {@link #names()}
     * @return what to write instead, where this provider once shipped {@code name} under that name
     *     (the message of the refusal), or null
     */
    default String renamed(String name) {
        return null;
    }

    /**
     * Reads this provider's config section (without the {@code type} field); unknown fields are
     * errors, as everywhere in Cardinal (use {@link org.cardinal.core.config.ConfigBinder}).
     *
     * @param section the section
     * @param defaultName the name when the section has none (the file's name, or "custom")
     * @param at where the section sits, for error messages
     * @return the spec
     * @throws org.cardinal.core.config.ConfigException naming the file and the field
     */
    BackboneSpec fromJson(JsonObject section, String defaultName, ConfigPath at);
}
