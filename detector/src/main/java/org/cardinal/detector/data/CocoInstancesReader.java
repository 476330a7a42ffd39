package org.cardinal.detector.data;

import com.google.gson.JsonParseException;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Streams the parts of a COCO instances file that detection training needs (images, box
 * annotations, categories) with gson's {@link JsonReader}, skipping segmentations and everything
 * else, so that COCO train2017 (hundreds of MB) does not need a DOM in memory.
 *
 * <p>Every error names the file, the record and the field.
 */
final class CocoInstancesReader {

    record RawImage(long id, String fileName, int width, int height) {}

    record RawAnnotation(
            long id, long imageId, int categoryId, double x, double y, double w, double h, boolean iscrowd) {}

    record Parsed(
            List<RawImage> images,
            Map<Long, List<RawAnnotation>> annotationsByImage,
            Map<Integer, String> categoryNames) {
        List<RawAnnotation> annotationsOf(long imageId) {
            return annotationsByImage.getOrDefault(imageId, List.of());
        }
    }

    private CocoInstancesReader() {}

    static Parsed read(Path file) throws IOException {
        List<RawImage> images = null;
        List<RawAnnotation> annotations = null;
        Map<Integer, String> categories = null;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                JsonReader in = new JsonReader(r)) {
            if (in.peek() != JsonToken.BEGIN_OBJECT) {
                throw new IOException(file + ": expected a JSON object at the top level");
            }
            in.beginObject();
            while (in.hasNext()) {
                String name = in.nextName();
                switch (name) {
                    case "images" -> images = readImages(in, file);
                    case "annotations" -> annotations = readAnnotations(in, file);
                    case "categories" -> categories = readCategories(in, file);
                    default -> in.skipValue();
                }
            }
            in.endObject();
        } catch (JsonParseException | IllegalStateException | NumberFormatException e) {
            throw new IOException(file + ": malformed JSON: " + e.getMessage(), e);
        } catch (java.io.EOFException e) {
            throw new IOException(file + ": truncated JSON: " + e.getMessage(), e);
        }
        if (images == null) {
            throw new IOException(file + ": missing field \"images\"");
        }
        if (categories == null) {
            throw new IOException(file + ": missing field \"categories\"");
        }
        if (annotations == null) {
            annotations = List.of(); // image-info files (test-dev) have no annotations
        }
        Map<Long, RawImage> byId = new HashMap<>();
        for (RawImage img : images) {
            if (byId.put(img.id(), img) != null) {
                throw new IOException(file + ": duplicate image id " + img.id());
            }
        }
        Map<Long, List<RawAnnotation>> byImage = new HashMap<>();
        for (RawAnnotation a : annotations) {
            if (!byId.containsKey(a.imageId())) {
                throw new IOException(file + ": annotation " + a.id() + " refers to image_id " + a.imageId()
                        + " which is not in \"images\"");
            }
            byImage.computeIfAbsent(a.imageId(), k -> new ArrayList<>()).add(a);
        }
        return new Parsed(images, byImage, categories);
    }

    private static List<RawImage> readImages(JsonReader in, Path file) throws IOException {
        List<RawImage> out = new ArrayList<>();
        in.beginArray();
        int index = 0;
        while (in.hasNext()) {
            Long id = null;
            String fileName = null;
            int width = -1;
            int height = -1;
            in.beginObject();
            while (in.hasNext()) {
                switch (in.nextName()) {
                    case "id" -> id = in.nextLong();
                    case "file_name" -> fileName = in.nextString();
                    case "width" -> width = in.nextInt();
                    case "height" -> height = in.nextInt();
                    default -> in.skipValue();
                }
            }
            in.endObject();
            String where = file + ": images[" + index + "]";
            if (id == null) {
                throw new IOException(where + ": missing field \"id\"");
            }
            if (fileName == null) {
                throw new IOException(where + " (id " + id + "): missing field \"file_name\"");
            }
            out.add(new RawImage(id, fileName, width, height));
            index++;
        }
        in.endArray();
        return out;
    }

    private static List<RawAnnotation> readAnnotations(JsonReader in, Path file) throws IOException {
        List<RawAnnotation> out = new ArrayList<>();
        in.beginArray();
        int index = 0;
        while (in.hasNext()) {
            long id = -1;
            Long imageId = null;
            Integer categoryId = null;
            double[] bbox = null;
            boolean crowd = false;
            in.beginObject();
            while (in.hasNext()) {
                switch (in.nextName()) {
                    case "id" -> id = in.nextLong();
                    case "image_id" -> imageId = in.nextLong();
                    case "category_id" -> categoryId = in.nextInt();
                    case "iscrowd" -> crowd = in.nextInt() != 0;
                    case "bbox" -> {
                        List<Double> v = new ArrayList<>(4);
                        in.beginArray();
                        while (in.hasNext()) {
                            v.add(in.nextDouble());
                        }
                        in.endArray();
                        bbox = v.stream().mapToDouble(Double::doubleValue).toArray();
                    }
                    default -> in.skipValue();
                }
            }
            in.endObject();
            String where = file + ": annotations[" + index + "] (id " + id + ")";
            if (imageId == null) {
                throw new IOException(where + ": missing field \"image_id\"");
            }
            if (categoryId == null) {
                throw new IOException(where + ": missing field \"category_id\"");
            }
            if (bbox == null) {
                throw new IOException(where + ": missing field \"bbox\"");
            }
            if (bbox.length != 4) {
                throw new IOException(
                        where + ": field \"bbox\" must have 4 numbers [x, y, w, h], found " + bbox.length);
            }
            if (bbox[2] < 0 || bbox[3] < 0) {
                throw new IOException(where + ": field \"bbox\" has a negative width or height: ["
                        + bbox[0] + ", " + bbox[1] + ", " + bbox[2] + ", " + bbox[3]
                        + "]");
            }
            out.add(new RawAnnotation(id, imageId, categoryId, bbox[0], bbox[1], bbox[2], bbox[3], crowd));
            index++;
        }
        in.endArray();
        return out;
    }

    private static Map<Integer, String> readCategories(JsonReader in, Path file) throws IOException {
        Map<Integer, String> out = new LinkedHashMap<>();
        in.beginArray();
        int index = 0;
        while (in.hasNext()) {
            Integer id = null;
            String name = null;
            in.beginObject();
            while (in.hasNext()) {
                switch (in.nextName()) {
                    case "id" -> id = in.nextInt();
                    case "name" -> name = in.nextString();
                    default -> in.skipValue();
                }
            }
            in.endObject();
            if (id == null) {
                throw new IOException(file + ": categories[" + index + "]: missing field \"id\"");
            }
            if (out.put(id, name == null ? String.valueOf(id) : name) != null) {
                throw new IOException(file + ": duplicate category id " + id);
            }
            index++;
        }
        in.endArray();
        return out;
    }
}
