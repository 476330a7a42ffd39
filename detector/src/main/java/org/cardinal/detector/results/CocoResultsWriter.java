package org.cardinal.detector.results;

import com.google.gson.stream.JsonWriter;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Streams detections into a COCO results file, as every tool writes its {@code detections.json}:
 * one compact JSON list of {@code {"image_id", "file_name", "category_id", "bbox": [x, y, w, h],
 * "score"}}, numbers at float32 precision (Java's {@code Float.toString}, a decimal that reads
 * back as the same float), HTML-safe strings as gson writes them, a newline at the end. The same
 * detections give the same bytes, whichever tool wrote them.
 */
public final class CocoResultsWriter {

    private final BufferedWriter text;
    private final JsonWriter json;
    private long count;

    /**
     * Starts the list.
     *
     * @param out where the file's bytes go; the caller closes it after {@link #finish}
     * @throws IOException if writing fails
     */
    public CocoResultsWriter(OutputStream out) throws IOException {
        text = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        json = new JsonWriter(text);
        json.setHtmlSafe(true);
        json.beginArray();
    }

    /**
     * Appends the detections of one image, in the model's order.
     *
     * @param imageId the image's COCO id
     * @param fileName its file name
     * @param detections its detections
     * @throws IOException if writing fails
     */
    public void add(long imageId, String fileName, List<CocoDetection> detections) throws IOException {
        for (CocoDetection d : detections) {
            json.beginObject();
            json.name("image_id").value(imageId);
            json.name("file_name").value(fileName);
            json.name("category_id").value(d.categoryId());
            json.name("bbox").beginArray();
            json.value(Float.valueOf(d.x()));
            json.value(Float.valueOf(d.y()));
            json.value(Float.valueOf(d.width()));
            json.value(Float.valueOf(d.height()));
            json.endArray();
            json.name("score").value(Float.valueOf(d.score()));
            json.endObject();
            count++;
        }
    }

    /** @return the number of detections written */
    public long count() {
        return count;
    }

    /**
     * Ends the list and flushes; the stream stays open.
     *
     * @throws IOException if writing fails
     */
    public void finish() throws IOException {
        json.endArray();
        json.flush();
        text.write('\n');
        text.flush();
    }
}
