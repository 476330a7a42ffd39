package org.cardinal.detector.data;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.cardinal.core.io.AtomicFiles;

/**
 * Writes a deterministic COCO-format detection dataset of coloured shapes: Cardinal's embedded
 * default, small enough to train on a laptop CPU in minutes, hard enough that AP is informative.
 *
 * <p>Difficulty comes from six categories ({@link SyntheticCocoShapes#CATEGORIES}) with jittered
 * colours, object sizes spread over COCO's small (&lt; 32²), medium and large area ranges,
 * occlusion between objects (each keeps at least half of itself visible), truncation at the
 * image border, unannotated distractor shapes, textured backgrounds and sensor noise.
 *
 * <p>Layout written under the root folder (the COCO 2017 layout with split names "train"/"val"):
 * <pre>
 *   train/000001.png ...        val/000001.png ...
 *   annotations/instances_train.json, annotations/instances_val.json
 *   generator.json              the options that produced the folder (used as a cache key)
 * </pre>
 * Annotations follow COCO: {@code bbox} is [x, y, w, h] in pixels of the tight box around the
 * visible pixels, {@code area} is the visible pixel count (a mask area, as in real COCO),
 * {@code iscrowd} is 0. The same options give byte-identical files: all randomness comes from
 * {@link Random} seeded per image from the options' seed, and PNG encoding carries no time stamp.
 */
public final class SyntheticCocoGenerator {

    /**
     * Generator options.
     *
     * @param seed master seed; every image derives its own stream from it
     * @param trainImages number of training images
     * @param valImages number of validation images
     * @param minImageSize smallest image side in pixels
     * @param maxImageSize largest image side in pixels
     * @param maxObjects most annotated objects per image (at least one is always placed)
     * @param maxDistractors most unannotated clutter shapes per image
     * @param minObjectSize smallest object diameter in pixels
     * @param maxObjectFraction largest object diameter as a fraction of the shorter image side
     */
    public record Options(
            long seed,
            int trainImages,
            int valImages,
            int minImageSize,
            int maxImageSize,
            int maxObjects,
            int maxDistractors,
            int minObjectSize,
            double maxObjectFraction) {

        /** The embedded default: 160 train and 48 val images of 160 to 256 pixels. */
        public static Options defaults() {
            return new Options(2017, 160, 48, 160, 256, 7, 5, 10, 0.9);
        }

        /** Returns a copy with other image counts, e.g. for tests. */
        public Options withImages(int train, int val) {
            return new Options(
                    seed,
                    train,
                    val,
                    minImageSize,
                    maxImageSize,
                    maxObjects,
                    maxDistractors,
                    minObjectSize,
                    maxObjectFraction);
        }

        /** Returns a copy with another seed. */
        public Options withSeed(long newSeed) {
            return new Options(
                    newSeed,
                    trainImages,
                    valImages,
                    minImageSize,
                    maxImageSize,
                    maxObjects,
                    maxDistractors,
                    minObjectSize,
                    maxObjectFraction);
        }

        void validate() {
            if (trainImages < 0 || valImages < 0 || trainImages + valImages == 0) {
                throw new IllegalArgumentException(
                        "synthetic dataset: image counts must be >= 0 and not both 0, got train=" + trainImages
                                + " val=" + valImages);
            }
            if (minImageSize < 32 || maxImageSize < minImageSize) {
                throw new IllegalArgumentException(
                        "synthetic dataset: expected 32 <= minImageSize <= maxImageSize, got " + minImageSize + ", "
                                + maxImageSize);
            }
            if (maxObjects < 1 || minObjectSize < 4 || maxObjectFraction <= 0 || maxObjectFraction > 1) {
                throw new IllegalArgumentException("synthetic dataset: expected maxObjects >= 1, minObjectSize >= 4, "
                        + "0 < maxObjectFraction <= 1");
            }
        }
    }

    /** A placed object: category, instance id within the image and its in-image pixel area at placement. */
    private record Placed(int category, int owner, int fullArea) {}

    /** Object diameters (pixels) separating COCO's small / medium / large area classes, roughly. */
    private static final double SMALL_DIAMETER = 40;

    private static final double MEDIUM_DIAMETER = 115;

    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    /** Split names, in the order they are written. */
    public static final List<String> SPLITS = List.of("train", "val");

    private final Options options;

    public SyntheticCocoGenerator(Options options) {
        options.validate();
        this.options = options;
    }

    public Options options() {
        return options;
    }

    /**
     * Returns {@code root} after making sure it holds the dataset for these options: an existing
     * folder written with the same options is reused, otherwise the dataset is generated into a
     * temporary sibling folder and moved into place atomically, so an interrupted run never
     * leaves a half-written dataset that looks complete.
     */
    public Path ensure(Path root) throws IOException {
        if (isComplete(root)) {
            return root;
        }
        AtomicFiles.writeFolder(root, tmp -> {
            generate(tmp);
            // a temporary folder is private (rwx------); the dataset is for every user and tool
            shareable(tmp);
        });
        return root;
    }

    /** True if {@code root} was completely written by a generator with these options. */
    public boolean isComplete(Path root) throws IOException {
        Path marker = root.resolve("generator.json");
        if (!Files.isRegularFile(marker)) {
            return false;
        }
        Options found;
        try {
            found = GSON.fromJson(Files.readString(marker), Options.class);
        } catch (RuntimeException e) {
            return false;
        }
        return options.equals(found) && SPLITS.stream().allMatch(s -> Files.isRegularFile(annotationFile(root, s)));
    }

    /** The instances file of a split under a dataset root. */
    public static Path annotationFile(Path root, String split) {
        return root.resolve("annotations").resolve("instances_" + split + ".json");
    }

    /** Writes both splits and the options marker into {@code root} (created if missing). */
    public void generate(Path root) throws IOException {
        Files.createDirectories(root.resolve("annotations"));
        writeSplit(root, "train", 0, options.trainImages());
        writeSplit(root, "val", 1, options.valImages());
        writeJson(root.resolve("generator.json"), options);
    }

    private void writeSplit(Path root, String split, int splitIndex, int count) throws IOException {
        Path dir = root.resolve(split);
        Files.createDirectories(dir);
        List<Map<String, Object>> images = new ArrayList<>();
        List<Map<String, Object>> annotations = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            // One stream per image: images do not depend on how many came before.
            Random rnd = new Random(options.seed() * 1_000_003L + splitIndex * 100_003L + i);
            String fileName = String.format("%06d.png", i);
            BufferedImage img = renderImage(rnd, i, annotations);
            if (!ImageIO.write(img, "png", dir.resolve(fileName).toFile())) {
                throw new IOException("no PNG writer available for " + dir.resolve(fileName));
            }
            Map<String, Object> im = new LinkedHashMap<>();
            im.put("id", i);
            im.put("file_name", fileName);
            im.put("width", img.getWidth());
            im.put("height", img.getHeight());
            images.add(im);
        }
        Map<String, Object> coco = new LinkedHashMap<>();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("description", "Cardinal synthetic shapes, split " + split);
        info.put("version", "1");
        info.put("seed", options.seed());
        coco.put("info", info);
        coco.put("licenses", List.of());
        coco.put("images", images);
        coco.put("annotations", annotations);
        List<Map<String, Object>> cats = new ArrayList<>();
        for (SyntheticCocoShapes.Category c : SyntheticCocoShapes.CATEGORIES) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", c.id());
            m.put("name", c.name());
            m.put("supercategory", "shape");
            cats.add(m);
        }
        coco.put("categories", cats);
        writeJson(annotationFile(root, split), coco);
    }

    /** Draws one image and appends its annotations (image id {@code imageId}) to {@code out}. */
    private BufferedImage renderImage(Random rnd, int imageId, List<Map<String, Object>> out) {
        int w = options.minImageSize() + rnd.nextInt(options.maxImageSize() - options.minImageSize() + 1);
        int h = options.minImageSize() + rnd.nextInt(options.maxImageSize() - options.minImageSize() + 1);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        SyntheticCocoBackgrounds.paint(img, g, rnd);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);

        int minSide = Math.min(w, h);
        double maxObj = Math.max(options.minObjectSize() + 1, options.maxObjectFraction() * minSide);
        int distractors = rnd.nextInt(options.maxDistractors() + 1);
        for (int d = 0; d < distractors; d++) {
            double size = logUniform(rnd, 8, maxObj * 0.6);
            float hue = rnd.nextBoolean()
                    ? SyntheticCocoShapes.CATEGORIES
                            .get(rnd.nextInt(SyntheticCocoShapes.CATEGORIES.size()))
                            .hue()
                    : rnd.nextFloat();
            g.setColor(SyntheticCocoShapes.instanceColor(rnd, hue));
            g.fill(SyntheticCocoShapes.distractor(rnd, rnd.nextDouble() * w, rnd.nextDouble() * h, size));
        }

        // owner[y * w + x] = instance index + 1 of the object visible at that pixel, 0 for none.
        int[] owner = new int[w * h];
        List<Placed> placed = new ArrayList<>();
        List<Integer> visible = new ArrayList<>();
        MaskRaster raster = new MaskRaster(w, h);
        int wanted = 1 + rnd.nextInt(options.maxObjects());
        for (int slot = 0; slot < wanted; slot++) {
            // Choose COCO's size class first (drawn 35% small, 30% medium, 35% large; after occlusion and
            // truncation the areas come out near COCO val2017 (41/34/24)), then retry positions within
            // it, so that hard-to-place large objects are not under-represented.
            double u = rnd.nextDouble();
            double lo = u < 0.35 ? options.minObjectSize() : u < 0.65 ? SMALL_DIAMETER : MEDIUM_DIAMETER;
            double hi = u < 0.35 ? SMALL_DIAMETER : u < 0.65 ? MEDIUM_DIAMETER : maxObj;
            lo = Math.min(lo, maxObj - 1);
            hi = Math.max(lo + 1, Math.min(hi, maxObj));
            for (int attempt = 0; attempt < 25; attempt++) {
                if (tryPlace(rnd, g, w, h, lo, hi, owner, placed, visible, raster)) {
                    break;
                }
            }
        }
        g.dispose();
        SyntheticCocoBackgrounds.addNoise(img, rnd, 4 + rnd.nextInt(10));
        appendAnnotations(owner, w, placed.size(), imageId, placed, out);
        return img;
    }

    /** Tries one random placement; paints and records the object if it satisfies the occlusion rules. */
    private boolean tryPlace(
            Random rnd,
            Graphics2D g,
            int w,
            int h,
            double lo,
            double hi,
            int[] owner,
            List<Placed> placed,
            List<Integer> visible,
            MaskRaster raster) {
        int category = 1 + rnd.nextInt(SyntheticCocoShapes.CATEGORIES.size());
        double size = logUniform(rnd, lo, hi);
        double cx = -0.2 * size + rnd.nextDouble() * (w + 0.4 * size);
        double cy = -0.2 * size + rnd.nextDouble() * (h + 0.4 * size);
        Shape shape = SyntheticCocoShapes.outline(category, cx, cy, size, rnd.nextDouble() * 2 * Math.PI);
        int[] pixels = raster.fill(shape);
        int full = MaskRaster.unclippedArea(shape);
        // Truncation at the border is allowed (as in COCO), but keep most of the object in view.
        if (pixels.length < 0.6 * full || pixels.length < 16) {
            return false;
        }
        int[] lost = new int[placed.size() + 1];
        for (int p : pixels) {
            lost[owner[p]]++;
        }
        boolean ok = true;
        for (int j = 0; j < placed.size() && ok; j++) {
            int remaining = visible.get(j) - lost[j + 1];
            ok = remaining >= 0.5 * placed.get(j).fullArea() && remaining >= 12;
        }
        if (!ok) {
            return false;
        }
        int id = placed.size() + 1;
        for (int j = 0; j < placed.size(); j++) {
            visible.set(j, visible.get(j) - lost[j + 1]);
        }
        for (int p : pixels) {
            owner[p] = id;
        }
        placed.add(new Placed(category, id, pixels.length));
        visible.add(pixels.length);
        Color c = SyntheticCocoShapes.instanceColor(
                rnd, SyntheticCocoShapes.CATEGORIES.get(category - 1).hue());
        g.setColor(c);
        g.fill(shape);
        return true;
    }

    private static void appendAnnotations(
            int[] owner, int w, int n, int imageId, List<Placed> placed, List<Map<String, Object>> out) {
        int[] minX = new int[n + 1];
        int[] minY = new int[n + 1];
        int[] maxX = new int[n + 1];
        int[] maxY = new int[n + 1];
        int[] count = new int[n + 1];
        java.util.Arrays.fill(minX, Integer.MAX_VALUE);
        java.util.Arrays.fill(minY, Integer.MAX_VALUE);
        java.util.Arrays.fill(maxX, -1);
        java.util.Arrays.fill(maxY, -1);
        for (int i = 0; i < owner.length; i++) {
            int o = owner[i];
            if (o == 0) {
                continue;
            }
            int x = i % w;
            int y = i / w;
            minX[o] = Math.min(minX[o], x);
            minY[o] = Math.min(minY[o], y);
            maxX[o] = Math.max(maxX[o], x);
            maxY[o] = Math.max(maxY[o], y);
            count[o]++;
        }
        for (int o = 1; o <= n; o++) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("id", out.size() + 1);
            a.put("image_id", imageId);
            a.put("category_id", placed.get(o - 1).category());
            // pixel (x, y) covers [x, x+1) x [y, y+1): the tight box ends one past the last pixel
            a.put("bbox", List.of(minX[o], minY[o], maxX[o] - minX[o] + 1, maxY[o] - minY[o] + 1));
            a.put("area", (double) count[o]);
            a.put("iscrowd", 0);
            out.add(a);
        }
    }

    private static double logUniform(Random rnd, double lo, double hi) {
        return Math.exp(Math.log(lo) + rnd.nextDouble() * (Math.log(hi) - Math.log(lo)));
    }

    private static void writeJson(Path file, Object value) throws IOException {
        AtomicFiles.writeString(file, GSON.toJson(value));
    }

    static void shareable(Path dir) throws IOException {
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** Rasterizes shapes (no anti-aliasing) into a reusable binary buffer to find their pixels. */
    private static final class MaskRaster {
        private final BufferedImage buffer;
        private final byte[] data;
        private final int w;

        MaskRaster(int w, int h) {
            this.w = w;
            buffer = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            data = ((DataBufferByte) buffer.getRaster().getDataBuffer()).getData();
        }

        /** Indices y * w + x of the image pixels covered by {@code shape}. */
        int[] fill(Shape shape) {
            java.util.Arrays.fill(data, (byte) 0);
            Graphics2D g = buffer.createGraphics();
            g.setColor(Color.WHITE);
            g.fill(shape);
            g.dispose();
            java.awt.Rectangle b = shape.getBounds().intersection(new java.awt.Rectangle(0, 0, w, buffer.getHeight()));
            List<Integer> idx = new ArrayList<>();
            for (int y = b.y; y < b.y + b.height; y++) {
                for (int x = b.x; x < b.x + b.width; x++) {
                    if (data[y * w + x] != 0) {
                        idx.add(y * w + x);
                    }
                }
            }
            return idx.stream().mapToInt(Integer::intValue).toArray();
        }

        /** Pixel area of the shape ignoring the image border, rasterized the same way. */
        static int unclippedArea(Shape shape) {
            java.awt.Rectangle b = shape.getBounds();
            BufferedImage local = new BufferedImage(b.width + 2, b.height + 2, BufferedImage.TYPE_BYTE_GRAY);
            Graphics2D g = local.createGraphics();
            g.translate(-b.x + 1, -b.y + 1);
            g.setColor(Color.WHITE);
            g.fill(shape);
            g.dispose();
            int n = 0;
            for (byte v : ((DataBufferByte) local.getRaster().getDataBuffer()).getData()) {
                if (v != 0) {
                    n++;
                }
            }
            return n;
        }
    }
}
