package org.cardinal.detector.data;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Test fixture: writes a tiny COCO-format dataset of filled, axis-aligned coloured rectangles on a
 * grey background (PNG images + instances JSON), with exactly known boxes and colours.
 */
public final class RectangleScenes {

    /** One rectangle: COCO category id, colour and box [x, y, w, h] in integer pixels. */
    public record Rect(int categoryId, Color color, int x, int y, int w, int h, boolean crowd) {
        public Rect(int categoryId, Color color, int x, int y, int w, int h) {
            this(categoryId, color, x, y, w, h, false);
        }
    }

    /** One image: file name, size and rectangles. */
    public record Scene(long id, String fileName, int width, int height, List<Rect> rects) {}

    private RectangleScenes() {}

    /**
     * Writes the images into {@code imageDir} and the instances file {@code annotationFile}.
     *
     * @param categories COCO ids with names, e.g. {3: "red", 7: "blue"}
     */
    public static void write(
            Path imageDir, Path annotationFile, List<Scene> scenes, java.util.Map<Integer, String> categories)
            throws IOException {
        Files.createDirectories(imageDir);
        Files.createDirectories(annotationFile.toAbsolutePath().getParent());
        JsonArray images = new JsonArray();
        JsonArray anns = new JsonArray();
        long annId = 1;
        for (Scene s : scenes) {
            BufferedImage img = new BufferedImage(s.width(), s.height(), BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(new Color(128, 128, 128));
            g.fillRect(0, 0, s.width(), s.height());
            for (Rect r : s.rects()) {
                g.setColor(r.color());
                g.fillRect(r.x(), r.y(), r.w(), r.h());
                JsonObject a = new JsonObject();
                a.addProperty("id", annId++);
                a.addProperty("image_id", s.id());
                a.addProperty("category_id", r.categoryId());
                JsonArray bbox = new JsonArray();
                bbox.add(r.x());
                bbox.add(r.y());
                bbox.add(r.w());
                bbox.add(r.h());
                a.add("bbox", bbox);
                a.addProperty("area", (double) r.w() * r.h());
                a.addProperty("iscrowd", r.crowd() ? 1 : 0);
                anns.add(a);
            }
            g.dispose();
            ImageIO.write(img, "png", imageDir.resolve(s.fileName()).toFile());
            JsonObject im = new JsonObject();
            im.addProperty("id", s.id());
            im.addProperty("file_name", s.fileName());
            im.addProperty("width", s.width());
            im.addProperty("height", s.height());
            images.add(im);
        }
        JsonArray cats = new JsonArray();
        for (var e : categories.entrySet()) {
            JsonObject c = new JsonObject();
            c.addProperty("id", e.getKey());
            c.addProperty("name", e.getValue());
            cats.add(c);
        }
        JsonObject root = new JsonObject();
        root.add("images", images);
        root.add("annotations", anns);
        root.add("categories", cats);
        Files.writeString(
                annotationFile, new GsonBuilder().setPrettyPrinting().create().toJson(root));
    }

    /**
     * A small two-class set: {@code n} images of {@code size}x{@code size}, each with one red
     * (category 1) and one blue (category 2) rectangle at positions that vary per image.
     */
    public static List<Scene> twoClassScenes(int n, int size) {
        List<Scene> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int s = size / 4;
            int x1 = (s / 4 + i * 13) % (size / 2 - s);
            int y1 = (s / 3 + i * 7) % (size - s - 1);
            int x2 = size / 2 + (i * 11) % (size / 2 - s - 2);
            int y2 = (size / 2 + i * 17) % (size - s - 1);
            List<Rect> rects =
                    List.of(new Rect(1, Color.RED, x1, y1, s, s + 4), new Rect(2, Color.BLUE, x2, y2, s + 6, s));
            out.add(new Scene(i + 1, String.format("img_%03d.png", i + 1), size, size, rects));
        }
        return out;
    }
}
