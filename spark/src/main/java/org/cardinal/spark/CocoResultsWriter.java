package org.cardinal.spark;

import com.google.gson.stream.JsonWriter;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;

/**
 * Streams detections into a COCO results file exactly as tools/predict writes its
 * {@code detections.json}: one compact JSON list of
 * {@code {"image_id", "file_name", "category_id", "bbox": [x, y, w, h], "score"}}, numbers at
 * float32 precision (Java's {@code Float.toString}, a decimal that reads back as the same
 * float), HTML-safe strings as gson writes them, a newline at the end. The same detections give
 * the same bytes, so the two files can be compared with {@code cmp}.
 */
final class CocoResultsWriter {

    private final BufferedWriter text;
    private final JsonWriter json;
    private long count;

    /** Starts the list on {@code out}, which the caller closes after {@link #finish}. */
    CocoResultsWriter(OutputStream out) throws IOException {
        text = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        json = new JsonWriter(text);
        json.setHtmlSafe(true); // gson's default, which tools/predict uses
        json.beginArray();
    }

    /** Appends the detections of one image, in the model's order. */
    void add(ImageResult image) throws IOException {
        for (int i = 0; i < image.numDetections(); i++) {
            json.beginObject();
            json.name("image_id").value(image.ref().imageId());
            json.name("file_name").value(image.ref().fileName());
            json.name("category_id").value(image.categoryIds()[i]);
            json.name("bbox").beginArray();
            for (int j = 0; j < 4; j++) {
                json.value(Float.valueOf(image.boxes()[4 * i + j]));
            }
            json.endArray();
            json.name("score").value(Float.valueOf(image.scores()[i]));
            json.endObject();
            count++;
        }
    }

    /** Number of detections written. */
    long count() {
        return count;
    }

    /** Ends the list and flushes; the stream stays open. */
    void finish() throws IOException {
        json.endArray();
        json.flush();
        text.write('\n');
        text.flush();
    }
}
