package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cardinal.backbone.BackboneConfig;
import org.cardinal.backbone.spi.BackboneSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelInfoTest {

    @Test
    void jsonReportHasTheTotalsOfTheReference() {
        BackboneSpec cfg = ModelInfo.resolve("resnext50_32x4d");
        JsonObject o = ModelInfo.toJson(cfg, cfg.complexity(224, 224, true));
        assertEquals("resnext50_32x4d", o.get("arch").getAsString());
        // Paper / torchvision reference: 25,028,904 parameters, 4.23 GMACs.
        assertEquals(25_028_904L, o.get("params").getAsLong());
        assertEquals(4.23, o.get("macs").getAsLong() / 1e9, 0.005);
        assertEquals(6, o.getAsJsonArray("stages").size());
    }

    @Test
    void tableShowsTheBlockShapesAndTotal() {
        BackboneSpec cfg = ModelInfo.resolve("resnet50");
        String t = ModelInfo.table(cfg, cfg.complexity(224, 224, true));
        assertTrue(t.contains("[1x1, 64; 3x3, 64; 1x1, 256] x3"), t);
        assertTrue(t.contains("25,557,032"), t);
        assertTrue(t.contains("4.089"), t);
    }

    @Test
    void sizesAndArchitecturesAreValidated(@TempDir Path dir) throws Exception {
        assertArrayEquals(new long[] {224, 224}, ModelInfo.parseSize("224"));
        assertArrayEquals(new long[] {800, 1333}, ModelInfo.parseSize("800x1333"));
        assertThrows(IllegalArgumentException.class, () -> ModelInfo.parseSize("big"));
        assertThrows(IllegalArgumentException.class, () -> ModelInfo.parseSize("0"));
        assertThrows(IllegalArgumentException.class, () -> ModelInfo.resolve("resnet51"));
        Path custom = dir.resolve("deep.json");
        Files.writeString(
                custom,
                "{\"block\": \"bottleneck\", \"layers\": [3, 24, 36, 3], \"cardinality\": 32, \"bottleneck_width\": 4}");
        assertEquals(32, ((BackboneConfig) ModelInfo.resolve(custom.toString())).cardinality());
    }
}
