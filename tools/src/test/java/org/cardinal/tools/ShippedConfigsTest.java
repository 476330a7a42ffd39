package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.cardinal.backbone.BackboneConfig;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.train.RunConfig;
import org.junit.jupiter.api.Test;

/** Every config the project ships parses, and the COCO ones describe detectron2's 1x schedule. */
class ShippedConfigsTest {

    private static List<Path> list(String kind) throws IOException {
        try (Stream<Path> s =
                Files.list(ProjectFiles.projectRoot().resolve("configs").resolve(kind))) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    @Test
    void detectorConfigsLoadAndCocoOnesUseThe1xScheduleOnCoco2017() throws IOException {
        List<Path> files = list("detectors");
        assertTrue(files.size() >= 9, files.toString());
        int coco = 0;
        for (Path f : files) {
            RunConfig c = RunConfig.load(f);
            assertEquals(f.getFileName().toString().replace(".json", ""), c.name());
            if (c.name().startsWith("faster_rcnn_")) {
                coco++;
                // 80 COCO categories as contiguous labels 1..80 plus the background (detectron2's convention)
                assertEquals(81, c.model().numClasses(), f.toString());
                assertEquals(16, c.solver().imsPerBatch());
                assertEquals(0.02, c.solver().baseLr());
                assertEquals(90000, c.solver().maxIter());
                assertArrayEquals(new int[] {60000, 80000}, c.solver().steps());
                assertEquals("train2017", c.data().trainImages());
                assertEquals("annotations/instances_val2017.json", c.data().valAnnotations());
                assertEquals(
                        c.name().contains("_C4_") ? DetectorConfig.Variant.C4 : DetectorConfig.Variant.FPN,
                        c.model().variant());
            }
        }
        assertEquals(7, coco);
    }

    /**
     * One name for each backbone, said in one place: every run, comparison and pretraining config
     * names its backbones from configs/backbones/ rather than writing one out.
     */
    @Test
    void everyShippedConfigNamesItsBackbonesFromConfigsBackbones() throws IOException {
        int named = 0;
        for (String kind : List.of("detectors", "compare", "pretrain")) {
            for (Path f : list(kind)) {
                JsonObject o = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
                List<JsonElement> backbones = new ArrayList<>();
                if (o.has("model")) {
                    backbones.add(o.getAsJsonObject("model").get("backbone"));
                }
                if (o.has("backbones")) {
                    o.getAsJsonArray("backbones").forEach(backbones::add);
                }
                if (o.has("backbone")) {
                    backbones.add(o.get("backbone"));
                }
                assertFalse(backbones.isEmpty(), f.toString());
                for (JsonElement b : backbones) {
                    assertTrue(
                            b.isJsonPrimitive() && known(b.getAsString()),
                            f + ": " + b
                                    + " is not the name of a file in configs/backbones/ (or a plugin's folder there)");
                    named++;
                }
            }
        }
        assertTrue(named >= 20, "every config was read: " + named);
        List<Path> files = list("backbones");
        assertEquals(
                BackboneConfig.KNOWN.stream().sorted().toList(),
                files.stream()
                        .map(p -> p.getFileName().toString().replace(".json", ""))
                        .sorted()
                        .toList());
    }

    /**
     * @return whether {@code name} is a shipped backbone: Cardinal's, or a plugin's (a file in
     *     configs/backbones/<type>/, loaded by the plugin's own tests)
     */
    private static boolean known(String name) throws IOException {
        if (BackboneConfig.KNOWN.contains(name)) {
            return true;
        }
        try (Stream<Path> dirs =
                Files.list(ProjectFiles.projectRoot().resolve("configs").resolve("backbones"))) {
            return dirs.anyMatch(d -> Files.isRegularFile(d.resolve(name + ".json")));
        }
    }

    @Test
    void compareConfigsNameABaseAndAtLeastTwoKnownBackbones() throws IOException {
        for (Path f : list("compare")) {
            JsonObject o = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
            RunConfig.load(ProjectFiles.config(o.get("base").getAsString(), "detectors"));
            assertTrue(o.getAsJsonArray("backbones").size() >= 2, f.toString());
            for (JsonElement b : o.getAsJsonArray("backbones")) {
                if (b.isJsonPrimitive()) {
                    assertTrue(known(b.getAsString()), b.toString());
                }
            }
        }
    }
}
