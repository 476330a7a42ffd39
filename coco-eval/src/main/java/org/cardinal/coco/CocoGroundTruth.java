package org.cardinal.coco;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The ground truth of a COCO instances file: image ids, categories and box annotations.
 *
 * <p>Boxes are COCO's {@code [x, y, width, height]} in absolute pixels. {@code area} is the
 * annotation's own {@code area} field (a mask area in real COCO, not width*height), which is
 * what decides the small/medium/large ranges. Annotations are kept in file order, because
 * pycocotools' results depend on it; annotations of images or categories the file does not
 * list are kept but never evaluated (as in pycocotools).
 *
 * <p>Immutable and safe to share between threads once built; serializable, so a distributed job
 * can ship it to its workers (see {@link PerImageEvaluator}).
 */
public final class CocoGroundTruth implements Serializable {
    private static final long serialVersionUID = 1L;

    /** A category of the ground truth. */
    public record Category(int id, String name) implements Serializable {}

    final long[] imageIds;
    final LongIndex imageIndex;
    final List<Category> categories;
    final long[] annId;
    final long[] annImage;
    final int[] annCategory;
    final double[] annBox; // 4 per annotation: x, y, w, h
    final double[] annArea;
    final boolean[] annCrowd;
    final int numAnnotations;

    private CocoGroundTruth(Builder b) {
        this.imageIds = Arrays.copyOf(b.images, b.numImages);
        this.imageIndex = LongIndex.of(imageIds);
        this.categories = Collections.unmodifiableList(new ArrayList<>(b.categories));
        this.numAnnotations = b.numAnns;
        this.annId = Arrays.copyOf(b.annId, b.numAnns);
        this.annImage = Arrays.copyOf(b.annImage, b.numAnns);
        this.annCategory = Arrays.copyOf(b.annCategory, b.numAnns);
        this.annBox = Arrays.copyOf(b.annBox, 4 * b.numAnns);
        this.annArea = Arrays.copyOf(b.annArea, b.numAnns);
        this.annCrowd = Arrays.copyOf(b.annCrowd, b.numAnns);
    }

    /** Image ids in file order (a repeated id is listed once). */
    public long[] imageIds() {
        return imageIds.clone();
    }

    /** Whether the ground truth lists this image. */
    public boolean hasImage(long imageId) {
        return imageIndex.get(imageId) >= 0;
    }

    /** Categories in file order (a repeated id is listed once, with its first name). */
    public List<Category> categories() {
        return categories;
    }

    /** Number of annotations, crowd ones included. */
    public int numAnnotations() {
        return numAnnotations;
    }

    /** A builder for ground truth held in memory (e.g. a validation set being trained on). */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads a COCO instances file with gson's streaming reader (no object tree). Fields other
     * than images[].id, categories[].id/name and annotations[].id/image_id/category_id/bbox/
     * area/iscrowd are skipped.
     *
     * @throws CocoFormatException naming the file, record and field when the file cannot be used
     */
    public static CocoGroundTruth read(Path file) {
        String name = file.toString();
        Builder b = new Builder();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                JsonReader in = new JsonReader(r)) {
            StreamingFields.expect(in, JsonToken.BEGIN_OBJECT, name, "", "a COCO instances object");
            in.beginObject();
            boolean sawImages = false;
            boolean sawCategories = false;
            while (in.hasNext()) {
                String key = in.nextName();
                switch (key) {
                    case "images":
                        sawImages = true;
                        readImages(in, name, b);
                        break;
                    case "categories":
                        sawCategories = true;
                        readCategories(in, name, b);
                        break;
                    case "annotations":
                        readAnnotations(in, name, b);
                        break;
                    default:
                        in.skipValue();
                }
            }
            in.endObject();
            if (in.peek() != JsonToken.END_DOCUMENT) {
                throw new CocoFormatException(name, "", "unexpected content after the top-level object");
            }
            if (!sawImages) {
                throw new CocoFormatException(name, "images", "missing field (a list of {\"id\": ...})");
            }
            if (!sawCategories) {
                throw new CocoFormatException(name, "categories", "missing field (a list of {\"id\": ...})");
            }
        } catch (NoSuchFileException e) {
            throw new CocoFormatException(name, "", "no such file", e);
        } catch (MalformedJsonException | EOFException e) {
            throw new CocoFormatException(name, "", "malformed JSON: " + StreamingFields.firstLine(e.getMessage()), e);
        } catch (IllegalStateException e) {
            throw new CocoFormatException(
                    name, "", "unexpected JSON structure: " + StreamingFields.firstLine(e.getMessage()), e);
        } catch (IOException e) {
            throw new CocoFormatException(name, "", "cannot read: " + e, e);
        }
        return b.build();
    }

    private static void readImages(JsonReader in, String name, Builder b) throws IOException {
        StreamingFields.expect(in, JsonToken.BEGIN_ARRAY, name, "images", "a list of images");
        in.beginArray();
        for (int i = 0; in.hasNext(); i++) {
            String where = "images[" + i + "]";
            StreamingFields.expect(in, JsonToken.BEGIN_OBJECT, name, where, "an object");
            in.beginObject();
            boolean hasId = false;
            long id = 0;
            while (in.hasNext()) {
                if (in.nextName().equals("id")) {
                    id = StreamingFields.readId(in, name, where + ".id");
                    hasId = true;
                } else {
                    in.skipValue();
                }
            }
            in.endObject();
            if (!hasId) {
                throw new CocoFormatException(name, where, "missing field 'id'");
            }
            b.addImage(id);
        }
        in.endArray();
    }

    private static void readCategories(JsonReader in, String name, Builder b) throws IOException {
        StreamingFields.expect(in, JsonToken.BEGIN_ARRAY, name, "categories", "a list of categories");
        in.beginArray();
        for (int i = 0; in.hasNext(); i++) {
            String where = "categories[" + i + "]";
            StreamingFields.expect(in, JsonToken.BEGIN_OBJECT, name, where, "an object");
            in.beginObject();
            boolean hasId = false;
            int id = 0;
            String catName = "";
            while (in.hasNext()) {
                String key = in.nextName();
                if (key.equals("id")) {
                    id = StreamingFields.readIntId(in, name, where + ".id");
                    hasId = true;
                } else if (key.equals("name")) {
                    catName = StreamingFields.readString(in, name, where + ".name");
                } else {
                    in.skipValue();
                }
            }
            in.endObject();
            if (!hasId) {
                throw new CocoFormatException(name, where, "missing field 'id'");
            }
            b.addCategory(id, catName);
        }
        in.endArray();
    }

    private static void readAnnotations(JsonReader in, String name, Builder b) throws IOException {
        StreamingFields.expect(in, JsonToken.BEGIN_ARRAY, name, "annotations", "a list of annotations");
        in.beginArray();
        double[] box = new double[4];
        for (int i = 0; in.hasNext(); i++) {
            String where = "annotations[" + i + "]";
            StreamingFields.expect(in, JsonToken.BEGIN_OBJECT, name, where, "an object");
            in.beginObject();
            int seen = 0; // bit per required field: id, image_id, category_id, bbox, area
            long id = 0;
            long imageId = 0;
            int categoryId = 0;
            double area = 0;
            boolean crowd = false;
            while (in.hasNext()) {
                switch (in.nextName()) {
                    case "id":
                        id = StreamingFields.readId(in, name, where + ".id");
                        seen |= 1;
                        break;
                    case "image_id":
                        imageId = StreamingFields.readId(in, name, where + ".image_id");
                        seen |= 2;
                        break;
                    case "category_id":
                        categoryId = StreamingFields.readIntId(in, name, where + ".category_id");
                        seen |= 4;
                        break;
                    case "bbox":
                        StreamingFields.readBox(in, name, where + ".bbox", box);
                        seen |= 8;
                        break;
                    case "area":
                        area = StreamingFields.readDouble(in, name, where + ".area");
                        seen |= 16;
                        break;
                    case "iscrowd":
                        crowd = StreamingFields.readFlag(in, name, where + ".iscrowd");
                        break;
                    default:
                        in.skipValue();
                }
            }
            in.endObject();
            String[] fields = {"id", "image_id", "category_id", "bbox", "area"};
            for (int f = 0; f < fields.length; f++) {
                if ((seen & (1 << f)) == 0) {
                    throw new CocoFormatException(name, where, "missing field '" + fields[f] + "'");
                }
            }
            try {
                b.addAnnotation(id, imageId, categoryId, box[0], box[1], box[2], box[3], area, crowd);
            } catch (IllegalArgumentException e) {
                throw new CocoFormatException(name, where, e.getMessage(), e);
            }
        }
        in.endArray();
    }

    /** Collects images, categories and annotations; ids need not be sorted or dense. */
    public static final class Builder {
        private long[] images = new long[64];
        private int numImages;
        private final LongIndex seenImages = new LongIndex(64);
        private final List<Category> categories = new ArrayList<>();
        private final LongIndex seenCategories = new LongIndex(16);
        private long[] annId = new long[64];
        private long[] annImage = new long[64];
        private int[] annCategory = new int[64];
        private double[] annBox = new double[256];
        private double[] annArea = new double[64];
        private boolean[] annCrowd = new boolean[64];
        private int numAnns;
        private final LongIndex seenAnnIds = new LongIndex(64);

        private Builder() {}

        /** Adds an image id; adding one twice keeps it once, as pycocotools' index does. */
        public Builder addImage(long id) {
            if (seenImages.get(id) < 0) {
                seenImages.putIfAbsent(id);
                if (numImages == images.length) {
                    images = Arrays.copyOf(images, numImages * 2);
                }
                images[numImages++] = id;
            }
            return this;
        }

        /** Adds a category; a repeated id keeps its first name. */
        public Builder addCategory(int id, String name) {
            if (seenCategories.get(id) < 0) {
                seenCategories.putIfAbsent(id);
                categories.add(new Category(id, name));
            }
            return this;
        }

        /**
         * Adds a box annotation.
         *
         * @param id unique annotation id (pycocotools treats id 0 as "no match" when accumulating,
         *     and so does this evaluator)
         * @param x left, y top, width, height: absolute pixels, width and height &gt;= 0
         * @param area the area deciding small/medium/large (COCO's mask area; width*height if no mask)
         * @param crowd iscrowd: ignored region, matched by any number of detections
         * @throws IllegalArgumentException on a duplicate id, a negative or non-finite size
         */
        public Builder addAnnotation(
                long id,
                long imageId,
                int categoryId,
                double x,
                double y,
                double width,
                double height,
                double area,
                boolean crowd) {
            checkBox(x, y, width, height);
            if (!Double.isFinite(area)) {
                throw new IllegalArgumentException("area " + area + " is not a finite number");
            }
            if (seenAnnIds.get(id) >= 0) {
                throw new IllegalArgumentException("duplicate annotation id " + id);
            }
            seenAnnIds.putIfAbsent(id);
            if (numAnns == annId.length) {
                int n = numAnns * 2;
                annId = Arrays.copyOf(annId, n);
                annImage = Arrays.copyOf(annImage, n);
                annCategory = Arrays.copyOf(annCategory, n);
                annBox = Arrays.copyOf(annBox, 4 * n);
                annArea = Arrays.copyOf(annArea, n);
                annCrowd = Arrays.copyOf(annCrowd, n);
            }
            annId[numAnns] = id;
            annImage[numAnns] = imageId;
            annCategory[numAnns] = categoryId;
            annBox[4 * numAnns] = x;
            annBox[4 * numAnns + 1] = y;
            annBox[4 * numAnns + 2] = width;
            annBox[4 * numAnns + 3] = height;
            annArea[numAnns] = area;
            annCrowd[numAnns] = crowd;
            numAnns++;
            return this;
        }

        public CocoGroundTruth build() {
            return new CocoGroundTruth(this);
        }
    }

    /** The checks every box must pass, for ground truth and results alike. */
    static void checkBox(double x, double y, double width, double height) {
        if (!(Double.isFinite(x) && Double.isFinite(y) && Double.isFinite(width) && Double.isFinite(height))) {
            throw new IllegalArgumentException(
                    "bbox [" + x + ", " + y + ", " + width + ", " + height + "] has a non-finite number");
        }
        if (width < 0) {
            throw new IllegalArgumentException("bbox width " + width + " is negative");
        }
        if (height < 0) {
            throw new IllegalArgumentException("bbox height " + height + " is negative");
        }
    }
}
