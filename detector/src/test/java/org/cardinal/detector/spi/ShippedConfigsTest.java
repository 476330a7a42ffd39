package org.cardinal.detector.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.cardinal.backbone.BackboneConfig;
import org.cardinal.backbone.pretrain.PretrainConfig;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.backbone.spi.Backbones;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.detector.compare.ComparisonConfig;
import org.cardinal.detector.train.RunConfig;
import org.junit.jupiter.api.Test;

/**
 * Every file under {@code configs/} still loads now that backbones go through the SPI, and a
 * config written before backbone types existed means what it meant: a ResNet. A plugin's shipped
 * backbones sit in {@code configs/backbones/<type>/} and are loaded by the plugin's own tests (the
 * plugin is not on this module's class path); here they must say that type.
 */
class ShippedConfigsTest {

    private static final Path CONFIGS = Path.of("..", "configs");

    @Test
    void everyShippedConfigLoads() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(CONFIGS)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertTrue(files.size() >= 20, "configs found: " + files);
        for (Path f : files) {
            String kind = CONFIGS.relativize(f).getName(0).toString();
            switch (kind) {
                case "backbones" -> {
                    Path rel = CONFIGS.relativize(f);
                    if (rel.getNameCount() > 2) {
                        String type = rel.getName(1).toString();
                        assertEquals(
                                type,
                                JsonFiles.readObject(f).get("type").getAsString(),
                                f + " is a section of the plugin type its folder names");
                        continue;
                    }
                    BackboneSpec b = Backbones.load(f);
                    assertEquals("resnet", b.type(), f.toString());
                    assertEquals(b, Backbones.named(b.name()), f + " is also the shipped name " + b.name());
                }
                case "detectors" ->
                    assertEquals("resnet", RunConfig.load(f).model().backbone().type(), f.toString());
                case "compare" -> {
                    List<String> plugins = new ArrayList<>();
                    for (JsonElement b : JsonFiles.readObject(f).getAsJsonArray("backbones")) {
                        if (b.isJsonPrimitive() && pluginBackbone(b.getAsString())) {
                            plugins.add(b.getAsString());
                        }
                    }
                    if (plugins.isEmpty()) {
                        assertTrue(ComparisonConfig.load(f).backbones().size() >= 2, f.toString());
                    } // else the plugin's own tests load it (a plugin is not on this class path)
                }
                case "pretrain" -> PretrainConfig.load(f);
                default -> throw new AssertionError("a config of an unknown kind: " + f);
            }
        }
    }

    /** @return whether {@code name} is a plugin's shipped backbone, a file in configs/backbones/<type>/ */
    private static boolean pluginBackbone(String name) throws IOException {
        try (Stream<Path> dirs = Files.list(CONFIGS.resolve("backbones"))) {
            return dirs.anyMatch(d -> Files.isRegularFile(d.resolve(name + ".json")));
        }
    }

    @Test
    void typedAndUntypedSectionsAreTheSameBackbone() {
        BackboneSpec named = Backbones.named("resnext50_32x4d");
        BackboneSpec back = Backbones.fromJson(named.toJson(), org.cardinal.core.config.ConfigPath.root("t"));
        assertEquals(named, back);
        assertEquals("resnet", named.toJson().get("type").getAsString());
        com.google.gson.JsonObject untyped = named.toJson();
        untyped.remove("type");
        assertEquals(named, Backbones.fromJson(untyped, org.cardinal.core.config.ConfigPath.root("t")));
        assertTrue(named instanceof BackboneConfig);
        assertFalse(Backbones.types().isEmpty());
    }

    @Test
    void unknownTypeNamesTheFieldAndTheRegisteredTypes() {
        com.google.gson.JsonObject o = new com.google.gson.JsonObject();
        o.addProperty("type", "no_such_type");
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(
                org.cardinal.core.config.ConfigException.class,
                () -> Backbones.fromJson(
                        o, org.cardinal.core.config.ConfigPath.root("x.json").field("backbone")));
        assertTrue(e.getMessage().contains("x.json"), e.getMessage());
        assertTrue(e.getMessage().contains("backbone.type"), e.getMessage());
        assertTrue(e.getMessage().contains("resnet"), e.getMessage());
    }
}
