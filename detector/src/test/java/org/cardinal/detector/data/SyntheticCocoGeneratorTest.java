package org.cardinal.detector.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticCocoGeneratorTest {

    private static final SyntheticCocoGenerator.Options SMALL =
            SyntheticCocoGenerator.Options.defaults().withImages(12, 6);

    @Test
    void writesValidCocoWithBoxesInsideImagesAndMaskAreas(@TempDir Path dir) throws IOException {
        Path root = new SyntheticCocoGenerator(SMALL).ensure(dir.resolve("synthetic"));
        for (String split : SyntheticCocoGenerator.SPLITS) {
            JsonObject coco = JsonParser.parseString(
                            Files.readString(SyntheticCocoGenerator.annotationFile(root, split)))
                    .getAsJsonObject();
            JsonArray images = coco.getAsJsonArray("images");
            JsonArray anns = coco.getAsJsonArray("annotations");
            JsonArray cats = coco.getAsJsonArray("categories");
            assertEquals(split.equals("train") ? 12 : 6, images.size());
            assertEquals(SyntheticCocoShapes.CATEGORIES.size(), cats.size());
            Set<Integer> catIds = new HashSet<>();
            for (JsonElement c : cats) {
                catIds.add(c.getAsJsonObject().get("id").getAsInt());
                assertFalse(c.getAsJsonObject().get("name").getAsString().isEmpty());
            }
            Map<Integer, BufferedImage> pixels = new HashMap<>();
            Map<Integer, int[]> sizes = new HashMap<>();
            for (JsonElement e : images) {
                JsonObject im = e.getAsJsonObject();
                BufferedImage img = ImageIO.read(root.resolve(split)
                        .resolve(im.get("file_name").getAsString())
                        .toFile());
                // the declared size must be the file's real size
                assertEquals(img.getWidth(), im.get("width").getAsInt());
                assertEquals(img.getHeight(), im.get("height").getAsInt());
                sizes.put(im.get("id").getAsInt(), new int[] {img.getWidth(), img.getHeight()});
                pixels.put(im.get("id").getAsInt(), img);
            }
            assertTrue(anns.size() >= images.size(), "at least one object per image");
            Set<Integer> annIds = new HashSet<>();
            for (JsonElement e : anns) {
                JsonObject a = e.getAsJsonObject();
                assertTrue(annIds.add(a.get("id").getAsInt()), "annotation ids are unique");
                assertTrue(catIds.contains(a.get("category_id").getAsInt()));
                assertEquals(0, a.get("iscrowd").getAsInt());
                int[] wh = sizes.get(a.get("image_id").getAsInt());
                JsonArray b = a.getAsJsonArray("bbox");
                double x = b.get(0).getAsDouble();
                double y = b.get(1).getAsDouble();
                double w = b.get(2).getAsDouble();
                double h = b.get(3).getAsDouble();
                assertTrue(x >= 0 && y >= 0 && w > 0 && h > 0, "box " + b);
                assertTrue(x + w <= wh[0] && y + h <= wh[1], "box " + b + " inside image " + wh[0] + "x" + wh[1]);
                double area = a.get("area").getAsDouble();
                // the area is a visible-pixel count inside the box, and a shape fills a good part of its box
                assertTrue(area <= w * h && area >= 0.2 * w * h, "area " + area + " for box " + b);
            }
        }
    }

    @Test
    void coversCocoSizeRangesAndEveryCategory(@TempDir Path dir) throws IOException {
        Path root = new SyntheticCocoGenerator(
                        SyntheticCocoGenerator.Options.defaults().withImages(40, 1))
                .ensure(dir.resolve("synthetic"));
        JsonObject coco = JsonParser.parseString(Files.readString(SyntheticCocoGenerator.annotationFile(root, "train")))
                .getAsJsonObject();
        int small = 0;
        int medium = 0;
        int large = 0;
        Set<Integer> seen = new HashSet<>();
        for (JsonElement e : coco.getAsJsonArray("annotations")) {
            double area = e.getAsJsonObject().get("area").getAsDouble();
            seen.add(e.getAsJsonObject().get("category_id").getAsInt());
            if (area < 32 * 32) {
                small++;
            } else if (area < 96 * 96) {
                medium++;
            } else {
                large++;
            }
        }
        assertTrue(small > 0 && medium > 0 && large > 0, "small/medium/large " + small + "/" + medium + "/" + large);
        assertEquals(SyntheticCocoShapes.CATEGORIES.size(), seen.size());
    }

    @Test
    void sameSeedGivesIdenticalBytesAndAnotherSeedDoesNot(@TempDir Path dir) throws IOException {
        Path a = new SyntheticCocoGenerator(SMALL).ensure(dir.resolve("a"));
        Path b = new SyntheticCocoGenerator(SMALL).ensure(dir.resolve("b"));
        Path c = new SyntheticCocoGenerator(SMALL.withSeed(SMALL.seed() + 1)).ensure(dir.resolve("c"));
        List<Path> files = list(a);
        assertEquals(files, list(b));
        assertTrue(files.size() > 18);
        for (Path rel : files) {
            assertArrayEquals(Files.readAllBytes(a.resolve(rel)), Files.readAllBytes(b.resolve(rel)), rel.toString());
        }
        assertNotEquals(
                Files.readString(SyntheticCocoGenerator.annotationFile(a, "train")),
                Files.readString(SyntheticCocoGenerator.annotationFile(c, "train")));
    }

    @Test
    void reusesACompleteFolderAndRegeneratesForOtherOptions(@TempDir Path dir) throws IOException {
        SyntheticCocoGenerator gen = new SyntheticCocoGenerator(SMALL);
        Path root = gen.ensure(dir.resolve("d"));
        Path marker = root.resolve("train").resolve("000001.png");
        Files.writeString(marker, "touched"); // a reused folder keeps this edit
        gen.ensure(root);
        assertEquals("touched", Files.readString(marker));
        SyntheticCocoGenerator other = new SyntheticCocoGenerator(SMALL.withImages(3, 2));
        assertFalse(other.isComplete(root));
        other.ensure(root);
        assertTrue(other.isComplete(root));
        assertNotEquals("touched", new String(Files.readAllBytes(marker)));
        assertEquals(3, Files.list(root.resolve("train")).count());
    }

    private static List<Path> list(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
        }
    }
}
