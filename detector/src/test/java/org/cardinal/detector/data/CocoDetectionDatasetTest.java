package org.cardinal.detector.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CocoDetectionDatasetTest {

    @TempDir
    Path dir;

    private CocoDetectionDataset writeAndLoad(List<RectangleScenes.Scene> scenes, boolean keepEmpty)
            throws IOException {
        RectangleScenes.write(dir.resolve("img"), dir.resolve("ann.json"), scenes, Map.of(7, "blue", 3, "red"));
        return CocoDetectionDataset.load(
                dir.resolve("ann.json"), dir.resolve("img"), new CocoDetectionDataset.Options(keepEmpty));
    }

    private static List<RectangleScenes.Scene> scenes() {
        return List.of(
                new RectangleScenes.Scene(
                        10,
                        "a.png",
                        40,
                        30,
                        List.of(
                                new RectangleScenes.Rect(7, Color.BLUE, 2, 3, 10, 5),
                                new RectangleScenes.Rect(3, Color.RED, 20, 10, 8, 12),
                                new RectangleScenes.Rect(3, Color.RED, 30, 1, 5, 5, true), // crowd
                                new RectangleScenes.Rect(7, Color.BLUE, 5, 20, 0, 4))), // degenerate
                new RectangleScenes.Scene(11, "b.png", 16, 16, List.of()),
                new RectangleScenes.Scene(
                        12, "c.png", 16, 16, List.of(new RectangleScenes.Rect(3, Color.RED, 1, 1, 4, 4, true))));
    }

    @Test
    void mapsCategoryIdsToContiguousLabelsInIdOrder() throws IOException {
        CocoDetectionDataset ds = writeAndLoad(scenes(), true);
        assertEquals(2, ds.numClasses());
        assertArrayEquals(new int[] {3, 7}, ds.categoryIds());
        assertEquals(1, ds.labelOf(3));
        assertEquals(2, ds.labelOf(7));
        assertEquals(7, ds.categoryIdOf(2));
        assertThrows(IllegalArgumentException.class, () -> ds.labelOf(5));
    }

    @Test
    void convertsXywhToCornersAndDropsCrowdAndDegenerateBoxes() throws IOException {
        CocoDetectionDataset ds = writeAndLoad(scenes(), true);
        CocoDetectionDataset.ImageEntry e = ds.entry(0);
        assertEquals(10, e.id());
        assertArrayEquals(new float[] {2, 3, 12, 8, 20, 10, 28, 22}, e.boxes());
        assertArrayEquals(new long[] {2, 1}, e.labels());
    }

    @Test
    void keepsImagesWithoutBoxesOnlyWhenAsked() throws IOException {
        CocoDetectionDataset kept = writeAndLoad(scenes(), true);
        assertEquals(3, kept.size());
        assertEquals(0, kept.entry(1).numBoxes());
        assertEquals(0, kept.entry(2).numBoxes()); // only a crowd box
        CocoDetectionDataset skipped = CocoDetectionDataset.load(
                dir.resolve("ann.json"), dir.resolve("img"), new CocoDetectionDataset.Options(false));
        assertEquals(1, skipped.size());
        assertEquals(10, skipped.entry(0).id());
    }

    @Test
    void decodesChwFloatRgbInUnitRange() throws IOException {
        CocoDetectionDataset ds = writeAndLoad(scenes(), true);
        try (NDManager m = NDManager.newBaseManager()) {
            DetectionSample s = ds.sample(0, m, false);
            assertEquals(new Shape(3, 30, 40), s.image().getShape());
            assertEquals(DataType.FLOAT32, s.image().getDataType());
            // pixel (x=21, y=11) lies in the red box, (x=3, y=4) in the blue one, (0,0) is grey
            float[] red = {
                s.image().getFloat(0, 11, 21),
                s.image().getFloat(1, 11, 21),
                s.image().getFloat(2, 11, 21)
            };
            assertArrayEquals(new float[] {1f, 0f, 0f}, red, 1e-6f);
            assertEquals(1f, s.image().getFloat(2, 4, 3), 1e-6f);
            assertEquals(0f, s.image().getFloat(0, 4, 3), 1e-6f);
            assertEquals(128f / 255f, s.image().getFloat(1, 0, 0), 1e-6f);
            assertEquals(new Shape(2, 4), s.boxes().getShape());
            assertEquals(DataType.INT64, s.labels().getDataType());
            DetectionSample empty = ds.sample(1, m, false);
            assertEquals(new Shape(0, 4), empty.boxes().getShape());
            assertEquals(new Shape(0), empty.labels().getShape());
        }
    }

    @Test
    void flipMirrorsImageAndBoxesTogether() throws IOException {
        CocoDetectionDataset ds = writeAndLoad(scenes(), true);
        try (NDManager m = NDManager.newBaseManager()) {
            DetectionSample plain = ds.sample(0, m, false);
            DetectionSample flipped = ds.sample(0, m, true);
            assertTrue(flipped.flipped());
            // column x of the flip is column W-1-x of the original
            assertEquals(plain.image().get(":, :, 39"), flipped.image().get(":, :, 0"));
            assertEquals(plain.image().get(":, :, 0"), flipped.image().get(":, :, 39"));
            // red box x 20..28 in a 40-wide image -> 12..20; blue 2..12 -> 28..38
            assertArrayEquals(
                    new float[] {28, 3, 38, 8, 12, 10, 20, 22}, flipped.boxes().toFloatArray());
            // every pixel inside the flipped red box is red
            var inside = flipped.image().get("0, 10:22, 12:20");
            assertEquals(1f, inside.min().getFloat(), 1e-6f);
            // the columns just outside it are not
            assertTrue(flipped.image().getFloat(0, 15, 11) < 0.9f);
            assertTrue(flipped.image().getFloat(0, 15, 20) < 0.9f);
        }
    }

    /**
     * An EXIF-rotated JPEG (orientation 6, stored 48x32 with red top left; made by backbone's
     * make_fixtures.py) annotated once in the upright frame and once on the stored pixels: the
     * JSON's size picks the frame, and each box lies on the red quadrant it was drawn around.
     */
    @Test
    void readsAnExifRotatedImageInTheFrameOfItsAnnotations() throws IOException {
        Path img = Files.createDirectories(dir.resolve("exif"));
        for (String name : new String[] {"upright.jpg", "stored.jpg"}) {
            try (var in = getClass().getResourceAsStream("/org/cardinal/backbone/image/orientation_6.jpg")) {
                Files.copy(in, img.resolve(name));
            }
        }
        Path ann = dir.resolve("exif.json");
        Files.writeString(
                ann,
                "{\"images\": ["
                        + "{\"id\": 1, \"file_name\": \"upright.jpg\", \"width\": 32, \"height\": 48},"
                        + "{\"id\": 2, \"file_name\": \"stored.jpg\", \"width\": 48, \"height\": 32}],"
                        + "\"annotations\": ["
                        + "{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [16, 0, 16, 24], \"area\": 384,"
                        + " \"iscrowd\": 0},"
                        + "{\"id\": 2, \"image_id\": 2, \"category_id\": 1, \"bbox\": [0, 0, 24, 16], \"area\": 384,"
                        + " \"iscrowd\": 0}],"
                        + "\"categories\": [{\"id\": 1, \"name\": \"red\"}]}");
        CocoDetectionDataset ds = CocoDetectionDataset.load(ann, img, CocoDetectionDataset.Options.defaults());
        try (NDManager m = NDManager.newBaseManager()) {
            DetectionSample upright = ds.sample(0, m, false);
            assertEquals(new Shape(3, 48, 32), upright.image().getShape());
            DetectionSample stored = ds.sample(1, m, false);
            assertEquals(new Shape(3, 32, 48), stored.image().getShape());
            for (DetectionSample s : List.of(upright, stored)) {
                float[] b = s.boxes().toFloatArray();
                // inset by 2 pixels: JPEG blurs the quadrant borders a little
                String inside =
                        (int) b[1] + 2 + ":" + ((int) b[3] - 2) + ", " + ((int) b[0] + 2) + ":" + ((int) b[2] - 2);
                assertTrue(s.image().get("0, " + inside).min().getFloat() > 0.95f, "red inside the box " + inside);
                assertTrue(s.image().get("1:3, " + inside).max().getFloat() < 0.05f, "no green or blue " + inside);
            }
        }
    }

    @Test
    void missingFilesAndFieldsAreNamed() throws IOException {
        writeAndLoad(scenes(), true);
        Path ann = dir.resolve("ann.json");
        IOException e1 = assertThrows(
                IOException.class,
                () -> CocoDetectionDataset.load(
                        dir.resolve("nope.json"), dir.resolve("img"), CocoDetectionDataset.Options.defaults()));
        assertTrue(e1.getMessage().contains("nope.json"), e1.getMessage());
        IOException e2 = assertThrows(
                IOException.class,
                () -> CocoDetectionDataset.load(ann, dir.resolve("noimg"), CocoDetectionDataset.Options.defaults()));
        assertTrue(e2.getMessage().contains("noimg"), e2.getMessage());

        Path bad = dir.resolve("bad.json");
        Files.writeString(
                bad,
                "{\"images\":[{\"id\":1,\"file_name\":\"a.png\"}],"
                        + "\"annotations\":[{\"id\":5,\"image_id\":1,\"category_id\":1}],"
                        + "\"categories\":[{\"id\":1,\"name\":\"x\"}]}");
        IOException e3 = assertThrows(
                IOException.class,
                () -> CocoDetectionDataset.load(bad, dir.resolve("img"), CocoDetectionDataset.Options.defaults()));
        assertTrue(
                e3.getMessage().contains("bad.json")
                        && e3.getMessage().contains("\"bbox\"")
                        && e3.getMessage().contains("id 5"),
                e3.getMessage());

        Files.writeString(bad, "{\"images\":[{\"id\":1,\"file_name\":\"a.png\"}],");
        IOException e4 = assertThrows(
                IOException.class,
                () -> CocoDetectionDataset.load(bad, dir.resolve("img"), CocoDetectionDataset.Options.defaults()));
        assertTrue(e4.getMessage().contains("bad.json"), e4.getMessage());

        Files.writeString(bad, "{\"images\":[]}");
        IOException e5 = assertThrows(
                IOException.class,
                () -> CocoDetectionDataset.load(bad, dir.resolve("img"), CocoDetectionDataset.Options.defaults()));
        assertTrue(e5.getMessage().contains("\"categories\""), e5.getMessage());

        Files.delete(dir.resolve("img").resolve("b.png"));
        CocoDetectionDataset ds =
                CocoDetectionDataset.load(ann, dir.resolve("img"), CocoDetectionDataset.Options.defaults());
        try (NDManager m = NDManager.newBaseManager()) {
            IOException e6 = assertThrows(IOException.class, () -> ds.sample(1, m, false));
            assertTrue(e6.getMessage().contains("b.png") && e6.getMessage().contains("11"), e6.getMessage());
        }
    }
}
