package org.cardinal.backbone.pretrain;

import com.google.gson.JsonElement;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.cardinal.core.config.ConfigBinder;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.InvalidFieldException;
import org.cardinal.core.io.AtomicFiles;

/**
 * A small, deterministic image-classification set in ImageNet's folder layout ({@code
 * train/<class>/*.png}, {@code val/<class>/*.png}) so that pretraining runs anywhere without
 * downloading ImageNet.
 *
 * <p>Classes are textures (stripes in three orientations, checkerboard, dots) and shapes (circle,
 * square, triangle, cross, ring), each drawn with random colours, scale, rotation, position and
 * pixel noise, so a network must learn shape and texture rather than colour. The same options and
 * seed always give the same files. Writing is idempotent: a folder already holding a set with the
 * same options is left alone.
 *
 * @param classes number of classes, 2..{@value #MAX_CLASSES}, taken in the order of {@link
 *     #CLASS_NAMES}
 * @param trainPerClass training images per class
 * @param valPerClass validation images per class
 * @param imageSize side length in pixels
 * @param seed random seed
 */
public record SyntheticImageFolder(int classes, int trainPerClass, int valPerClass, int imageSize, long seed) {
    /** All class names, in generation order. */
    public static final List<String> CLASS_NAMES = List.of(
            "stripes_horizontal",
            "stripes_vertical",
            "circle",
            "square",
            "checkerboard",
            "triangle",
            "stripes_diagonal",
            "cross",
            "dots",
            "ring");
    /** Largest supported number of classes. */
    public static final int MAX_CLASSES = 10;

    private static final String MARKER = "synthetic-image-folder.txt";

    /** Validates the options; messages name the field. */
    public SyntheticImageFolder {
        InvalidFieldException.require(
                classes >= 2 && classes <= MAX_CLASSES, "classes", "an integer in 2.." + MAX_CLASSES, classes);
        InvalidFieldException.require(trainPerClass >= 1, "train_per_class", "an integer >= 1", trainPerClass);
        InvalidFieldException.require(valPerClass >= 0, "val_per_class", "an integer >= 0", valPerClass);
        InvalidFieldException.require(imageSize >= 16, "image_size", "an integer >= 16", imageSize);
    }

    /** The embedded default: 8 classes, 64 train and 16 val images each, 72 pixels, seed 0. */
    public static SyntheticImageFolder defaults() {
        return new SyntheticImageFolder(8, 64, 16, 72, 0);
    }

    /**
     * Reads the {@code generated} object of a pretraining recipe; absent fields keep {@link
     * #defaults()}.
     *
     * @param json the object
     * @param at where it sits, for error messages
     * @return the options
     */
    public static SyntheticImageFolder fromJson(JsonElement json, ConfigPath at) {
        return ConfigBinder.bind(json, SyntheticImageFolder.class, ConfigBinder.toJson(defaults()), at);
    }

    /**
     * Writes the set under {@code root} (creating {@code root/train} and {@code root/val}) unless it
     * is already there with the same options.
     */
    public void writeTo(Path root) throws IOException {
        String fingerprint = toString() + "\n";
        Path marker = root.resolve(MARKER);
        if (Files.exists(marker)
                && Files.readString(marker, StandardCharsets.UTF_8).equals(fingerprint)) {
            return;
        }
        Files.createDirectories(root);
        Files.deleteIfExists(marker);
        for (int c = 0; c < classes; c++) {
            String name = CLASS_NAMES.get(c);
            writeSplit(root.resolve("train").resolve(name), c, trainPerClass, 0);
            writeSplit(root.resolve("val").resolve(name), c, valPerClass, 1);
        }
        // The marker goes last and atomically: a half-written set is regenerated next time.
        AtomicFiles.writeString(marker, fingerprint);
    }

    private void writeSplit(Path dir, int cls, int count, int split) throws IOException {
        Files.createDirectories(dir);
        for (int i = 0; i < count; i++) {
            Random rng = new Random(seed * 1_000_003L + split * 100_003L + cls * 10_007L + i);
            BufferedImage img = render(cls, rng);
            ImageIO.write(img, "png", dir.resolve(String.format("%05d.png", i)).toFile());
        }
    }

    /** Renders one image of class {@code cls}. */
    BufferedImage render(int cls, Random rng) {
        int s = imageSize;
        BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        Color bg = randomColor(rng);
        Color fg = contrasting(bg, rng);
        g.setColor(bg);
        g.fillRect(0, 0, s, s);
        g.setColor(fg);
        double cx = s * (0.4 + 0.2 * rng.nextDouble());
        double cy = s * (0.4 + 0.2 * rng.nextDouble());
        double r = s * (0.25 + 0.15 * rng.nextDouble());
        int period = Math.max(4, (int) (s * (0.12 + 0.1 * rng.nextDouble())));
        switch (CLASS_NAMES.get(cls)) {
            case "stripes_horizontal" -> stripes(g, s, period, 0.0);
            case "stripes_vertical" -> stripes(g, s, period, Math.PI / 2);
            case "stripes_diagonal" -> stripes(g, s, period, rng.nextBoolean() ? Math.PI / 4 : -Math.PI / 4);
            case "checkerboard" -> {
                for (int y = 0; y < s; y += period) {
                    for (int x = 0; x < s; x += period) {
                        if (((x / period) + (y / period)) % 2 == 0) {
                            g.fillRect(x, y, period, period);
                        }
                    }
                }
            }
            case "dots" -> {
                int d = Math.max(2, period / 2);
                for (int y = period / 2; y < s; y += period) {
                    for (int x = period / 2; x < s; x += period) {
                        g.fillOval(x - d / 2, y - d / 2, d, d);
                    }
                }
            }
            case "circle" -> g.fillOval((int) (cx - r), (int) (cy - r), (int) (2 * r), (int) (2 * r));
            case "ring" -> {
                g.setStroke(new BasicStroke((float) Math.max(2, r * 0.3)));
                g.drawOval((int) (cx - r), (int) (cy - r), (int) (2 * r), (int) (2 * r));
            }
            case "square" -> {
                g.rotate(rng.nextDouble() * Math.PI / 2, cx, cy);
                double h = r * 0.85;
                g.fillRect((int) (cx - h), (int) (cy - h), (int) (2 * h), (int) (2 * h));
            }
            case "triangle" -> {
                g.rotate(rng.nextDouble() * 2 * Math.PI, cx, cy);
                Polygon p = new Polygon();
                for (int k = 0; k < 3; k++) {
                    double a = -Math.PI / 2 + k * 2 * Math.PI / 3;
                    p.addPoint((int) (cx + r * Math.cos(a)), (int) (cy + r * Math.sin(a)));
                }
                g.fillPolygon(p);
            }
            case "cross" -> {
                g.rotate(rng.nextDouble() * Math.PI / 2, cx, cy);
                int w = (int) Math.max(2, r * 0.45);
                g.fillRect((int) (cx - r), (int) (cy - w / 2.0), (int) (2 * r), w);
                g.fillRect((int) (cx - w / 2.0), (int) (cy - r), w, (int) (2 * r));
            }
            default -> throw new IllegalStateException("unknown class " + cls);
        }
        g.dispose();
        addNoise(img, rng);
        return img;
    }

    private static void stripes(Graphics2D g, int s, int period, double angle) {
        AffineTransform saved = g.getTransform();
        g.rotate(angle, s / 2.0, s / 2.0);
        int ext = 2 * s; // cover the corners after rotation
        for (int y = -ext; y < ext; y += period) {
            g.fillRect(-ext, y, 3 * ext, Math.max(1, period / 2));
        }
        g.setTransform(saved);
    }

    private static void addNoise(BufferedImage img, Random rng) {
        int s = img.getWidth();
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                int p = img.getRGB(x, y);
                int n = (int) (rng.nextGaussian() * 12);
                int r = clamp(((p >> 16) & 0xff) + n);
                int gr = clamp(((p >> 8) & 0xff) + n);
                int b = clamp((p & 0xff) + n);
                img.setRGB(x, y, (r << 16) | (gr << 8) | b);
            }
        }
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static Color randomColor(Random rng) {
        return Color.getHSBColor(rng.nextFloat(), 0.3f + 0.7f * rng.nextFloat(), 0.2f + 0.8f * rng.nextFloat());
    }

    /** A random colour whose brightness differs clearly from {@code bg}, so the pattern is visible. */
    private static Color contrasting(Color bg, Random rng) {
        float[] hsb = Color.RGBtoHSB(bg.getRed(), bg.getGreen(), bg.getBlue(), null);
        float b = hsb[2] > 0.55f ? 0.05f + 0.3f * rng.nextFloat() : 0.7f + 0.3f * rng.nextFloat();
        return Color.getHSBColor(rng.nextFloat(), rng.nextFloat(), b);
    }
}
