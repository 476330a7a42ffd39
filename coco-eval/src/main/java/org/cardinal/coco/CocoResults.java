package org.cardinal.coco;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The detections of a COCO results file: a JSON list of
 * {@code {"image_id", "category_id", "bbox": [x, y, width, height], "score"}} records, kept in
 * file order. Other fields of a record ({@code id}, {@code area}, {@code segmentation}, ...)
 * are skipped: as in pycocotools' {@code loadRes}, a detection's area is width*height and it
 * is never a crowd.
 *
 * <p>Image ids are checked against the ground truth when the results are given to a
 * {@link CocoEvaluator}, not here, so a file can be read while the ground truth is still loading.
 */
public final class CocoResults {
    private final String source;
    final ResultColumns table;

    private CocoResults(String source, ResultColumns table) {
        this.source = source;
        this.table = table;
    }

    /**
     * Reads a results file. A hand-written byte parser handles the common layout fast; any record
     * it does not understand (and any error) makes it hand the file to {@link #readStreaming},
     * gson's streaming reader, which is the reference and names the record at fault.
     *
     * @throws CocoFormatException naming the file, record and field when the file cannot be used
     */
    public static CocoResults read(Path file) {
        String name = file.toString();
        byte[] bytes;
        try {
            if (Files.size(file) > Integer.MAX_VALUE - 64) {
                return readStreaming(file); // beyond a Java array: stream it
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CocoFormatException(name, "", "no such file", e);
        } catch (IOException e) {
            throw new CocoFormatException(name, "", "cannot read: " + e, e);
        }
        ResultColumns table = ResultsParser.parse(bytes);
        if (table == null) {
            return readStreaming(file);
        }
        return new CocoResults(name, table);
    }

    /**
     * Reads a results file with gson's {@link JsonReader}, one value at a time (no object tree).
     *
     * @throws CocoFormatException naming the file, record and field when the file cannot be used
     */
    public static CocoResults readStreaming(Path file) {
        String name = file.toString();
        ResultColumns table = new ResultColumns(1024);
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                JsonReader in = new JsonReader(r)) {
            StreamingFields.expect(in, JsonToken.BEGIN_ARRAY, name, "", "a JSON list of results");
            in.beginArray();
            double[] box = new double[4];
            for (int i = 0; in.hasNext(); i++) {
                String where = "results[" + i + "]";
                StreamingFields.expect(in, JsonToken.BEGIN_OBJECT, name, where, "an object");
                in.beginObject();
                int seen = 0;
                long imageId = 0;
                int categoryId = 0;
                double score = 0;
                while (in.hasNext()) {
                    switch (in.nextName()) {
                        case "image_id":
                            imageId = StreamingFields.readId(in, name, where + ".image_id");
                            seen |= 1;
                            break;
                        case "category_id":
                            categoryId = StreamingFields.readIntId(in, name, where + ".category_id");
                            seen |= 2;
                            break;
                        case "bbox":
                            StreamingFields.readBox(in, name, where + ".bbox", box);
                            seen |= 4;
                            break;
                        case "score":
                            score = StreamingFields.readDouble(in, name, where + ".score");
                            seen |= 8;
                            break;
                        default:
                            in.skipValue();
                    }
                }
                in.endObject();
                String[] fields = {"image_id", "category_id", "bbox", "score"};
                for (int f = 0; f < fields.length; f++) {
                    if ((seen & (1 << f)) == 0) {
                        throw new CocoFormatException(name, where, "missing field '" + fields[f] + "'");
                    }
                }
                try {
                    table.add(imageId, categoryId, box[0], box[1], box[2], box[3], score);
                } catch (IllegalArgumentException e) {
                    throw new CocoFormatException(name, where, e.getMessage(), e);
                }
            }
            in.endArray();
            if (in.peek() != JsonToken.END_DOCUMENT) {
                throw new CocoFormatException(name, "", "unexpected content after the list of results");
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
        return new CocoResults(name, table);
    }

    /** Results held in memory, named {@code source} in messages. */
    public static CocoResults of(String source, long[] imageIds, List<ScoredBox> detections) {
        if (imageIds.length != detections.size()) {
            throw new IllegalArgumentException(
                    "imageIds and detections differ in length: " + imageIds.length + " vs " + detections.size());
        }
        ResultColumns table = new ResultColumns(imageIds.length);
        for (int i = 0; i < imageIds.length; i++) {
            ScoredBox d = detections.get(i);
            try {
                table.add(imageIds[i], d.categoryId(), d.x(), d.y(), d.width(), d.height(), d.score());
            } catch (IllegalArgumentException e) {
                throw new CocoFormatException(source, "results[" + i + "]", e.getMessage(), e);
            }
        }
        return new CocoResults(source, table);
    }

    /** The file (or name) the results came from, for messages. */
    public String source() {
        return source;
    }

    /** Number of detections. */
    public int size() {
        return table.size;
    }

    /** Image id of the i-th detection (file order). */
    public long imageId(int i) {
        Objects.checkIndex(i, table.size);
        return table.imageId[i];
    }

    /** The i-th detection (file order). */
    public ScoredBox detection(int i) {
        Objects.checkIndex(i, table.size);
        double[] b = table.box;
        return new ScoredBox(table.categoryId[i], b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3], table.score[i]);
    }
}
