package org.cardinal.backbone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cardinal.core.config.ConfigException;
import org.cardinal.core.config.ConfigPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackboneConfigTest {

    @Test
    void everyShippedConfigLoadsByName() {
        for (String name : BackboneConfig.KNOWN) {
            BackboneConfig c = BackboneConfig.named(name);
            assertEquals(name, c.name());
        }
    }

    @Test
    void resnext50HasThePapersGroupWidths() {
        BackboneConfig c = BackboneConfig.named("resnext50_32x4d");
        // Table 1 of the paper: conv2..conv5 grouped widths 128, 256, 512, 1024 with C=32.
        assertArrayEquals(
                new int[] {128, 256, 512, 1024},
                new int[] {c.groupWidth(1), c.groupWidth(2), c.groupWidth(3), c.groupWidth(4)});
        assertArrayEquals(new int[] {256, 512, 1024, 2048}, c.stageChannels());
        assertArrayEquals(new int[] {3, 4, 6, 3}, c.layers());
    }

    @Test
    void resnetIsTheSpecialCaseOneGroupOf64() {
        BackboneConfig c = BackboneConfig.named("resnet50");
        assertEquals(1, c.cardinality());
        assertEquals(64, c.bottleneckWidth());
        assertArrayEquals(
                new int[] {64, 128, 256, 512},
                new int[] {c.groupWidth(1), c.groupWidth(2), c.groupWidth(3), c.groupWidth(4)});
        assertArrayEquals(
                new int[] {64, 128, 256, 512}, BackboneConfig.named("resnet18").stageChannels());
    }

    @Test
    void groupWidthFloorsLikeTorchvision() {
        // width = int(planes * (d / 64.)) * C: planes 64, d 3 -> int(3.0) = 3 -> 3 * 5 = 15; planes 128 -> 6 * 5.
        BackboneConfig c = new BackboneConfig("x", "bottleneck", new int[] {1, 1, 1, 1}, 5, 3, 10);
        assertEquals(15, c.groupWidth(1));
        assertEquals(30, c.groupWidth(2));
        BackboneConfig narrow = new BackboneConfig("y", "bottleneck", new int[] {1, 1, 1, 1}, 4, 6, 10, 16);
        assertEquals(4, narrow.groupWidth(1)); // floor(16 * 6 / 64) = 1, times 4
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> BackboneConfig.named("resnet51"));
        assertTrue(e.getMessage().contains("resnet51"), e.getMessage());
        assertTrue(e.getMessage().contains("resnext50_32x4d"), e.getMessage());
    }

    /** "resnext_mini" once named a 4x16d network while the demo used a 16x8d one: it names neither now. */
    @Test
    void theAmbiguousMiniNameIsRefusedNamingBothNetworks() {
        String expected = "\"resnext_mini_4x16d\" (the 4x16d network once called resnext_mini) or "
                + "\"resnext_mini_16x8d\" (the demo's)";
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> BackboneConfig.fromJson(
                        new JsonPrimitive("resnext_mini"),
                        ConfigPath.root("run.json").field("backbone")));
        assertEquals("run.json: field 'backbone': expected " + expected + ", found \"resnext_mini\"", e.getMessage());
        IllegalArgumentException named =
                assertThrows(IllegalArgumentException.class, () -> BackboneConfig.named("resnext_mini"));
        assertEquals("unknown backbone architecture 'resnext_mini': use " + expected, named.getMessage());
        BackboneConfig x = BackboneConfig.named("resnext_mini_4x16d");
        assertEquals(4, x.cardinality());
        assertEquals(16, x.bottleneckWidth());
        BackboneConfig demo = BackboneConfig.named("resnext_mini_16x8d");
        assertEquals(16, demo.cardinality());
        assertEquals(8, demo.bottleneckWidth());
        // the demo pair: equal stage channels, so the comparison's other parts can start identical
        assertArrayEquals(BackboneConfig.named("resnet_mini").stageChannels(), demo.stageChannels());
    }

    @Test
    void jsonRoundTripKeepsEveryField() {
        BackboneConfig c = new BackboneConfig("custom", "bottleneck", new int[] {2, 3, 5, 2}, 8, 16, 7, 32);
        BackboneConfig back = BackboneConfig.fromJson(c.toJson(), ConfigPath.root("mem"));
        assertEquals(c, back);
    }

    @Test
    void defaultsApplyToOmittedFields(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("deep.json");
        Files.writeString(f, "{\"block\": \"bottleneck\", \"layers\": [3, 4, 36, 3]}");
        BackboneConfig c = BackboneConfig.load(f);
        assertEquals("deep", c.name());
        assertEquals(1, c.cardinality());
        assertEquals(64, c.bottleneckWidth());
        assertEquals(1000, c.numClasses());
        assertEquals(64, c.baseChannels());
    }

    @Test
    void badFilesNameTheFileAndTheField(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "{\"block\": \"bottleneck\", \"layers\": [3, 4, 6]}");
        assertMessage(f, "layers");
        Files.writeString(f, "{\"block\": \"wide\", \"layers\": [3, 4, 6, 3]}");
        assertMessage(f, "block");
        Files.writeString(f, "{\"block\": \"bottleneck\", \"layers\": [3, 4, 6, 3], \"cardinality\": \"32\"}");
        assertMessage(f, "cardinality");
        Files.writeString(f, "{\"block\": \"bottleneck\", \"layers\": [3, 4, 6, 3], \"groups\": 32}");
        assertMessage(f, "groups");
        Files.writeString(f, "{\"block\": \"basic\", \"layers\": [2, 2, 2, 2], \"cardinality\": 32}");
        assertMessage(f, "basic");
        Files.writeString(f, "{\"block\": \"bottleneck\", \"layers\": [3, 4, 6, 3]");
        assertMessage(f, "malformed");
        assertMessage(dir.resolve("missing.json"), "not found");
    }

    private static void assertMessage(Path f, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackboneConfig.load(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
