package org.cardinal.regnet;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.cardinal.backbone.spi.BackboneProvider;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.core.config.ConfigPath;

/**
 * The backbone type {@code regnet} ({@link RegNetConfig}, {@link RegNet}), registered in this jar's
 * {@code META-INF/services/org.cardinal.backbone.spi.BackboneProvider}. Ships every torchvision
 * RegNet by its torchvision name ({@code regnet_x_400mf} .. {@code regnet_x_32gf}, {@code
 * regnet_y_400mf} .. {@code regnet_y_128gf}), two small ones for tests and the embedded demo
 * ({@code regnet_x_mini}, {@code regnet_y_mini}) and {@code regnet_x_demo}, the demo comparison's
 * RegNetX at the complexity of its ResNet and ResNeXt ({@code resnet_mini}, {@code
 * resnext_mini_16x8d}); their sections are {@code configs/backbones/regnet/},
 * packaged as resources of this jar.
 */
public final class RegNetProvider implements BackboneProvider {

    /** The type name. */
    public static final String TYPE = "regnet";

    /** The shipped configurations' names. */
    public static final List<String> NAMES = List.of(
            "regnet_x_400mf",
            "regnet_x_800mf",
            "regnet_x_1_6gf",
            "regnet_x_3_2gf",
            "regnet_x_8gf",
            "regnet_x_16gf",
            "regnet_x_32gf",
            "regnet_y_400mf",
            "regnet_y_800mf",
            "regnet_y_1_6gf",
            "regnet_y_3_2gf",
            "regnet_y_8gf",
            "regnet_y_16gf",
            "regnet_y_32gf",
            "regnet_y_128gf",
            "regnet_x_mini",
            "regnet_y_mini",
            "regnet_x_demo");

    private static final String RESOURCE_DIR = "/org/cardinal/regnet/configs/";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public List<String> names() {
        return NAMES;
    }

    @Override
    public BackboneSpec named(String name) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException(
                    "unknown regnet backbone '" + name + "'; known: " + String.join(", ", NAMES));
        }
        String resource = RESOURCE_DIR + name + ".json";
        try (InputStream in = RegNetProvider.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("class-path resource " + resource + " is missing from the jar");
            }
            JsonObject section;
            try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                section = JsonParser.parseReader(r).getAsJsonObject();
            }
            JsonElement type = section.remove("type");
            if (type == null || !TYPE.equals(type.getAsString())) {
                throw new IllegalStateException(resource + " is not a section of type " + TYPE);
            }
            return fromJson(section, name, ConfigPath.root("classpath:" + resource));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read class-path resource " + resource, e);
        }
    }

    @Override
    public BackboneSpec fromJson(JsonObject section, String defaultName, ConfigPath at) {
        return RegNetConfig.fromSection(section, defaultName, at);
    }
}
