package org.cardinal.backbone;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the JSON object at the top of a config or metadata file, with the project's error policy:
 * malformed JSON or another top-level value raises {@link IllegalArgumentException} naming the
 * source.
 */
public final class JsonObjects {

    private JsonObjects() {}

    /**
     * Parses one JSON object.
     *
     * @param reader the JSON text
     * @param source names the text in error messages (usually the file)
     * @return the object
     * @throws IllegalArgumentException "SOURCE: malformed JSON: ..." or "SOURCE: expected a JSON object"
     */
    public static JsonObject parse(Reader reader, String source) {
        JsonElement e;
        try {
            e = JsonParser.parseReader(reader);
        } catch (JsonParseException ex) {
            throw new IllegalArgumentException(source + ": malformed JSON: " + ex.getMessage(), ex);
        }
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException(source + ": expected a JSON object");
        }
        return e.getAsJsonObject();
    }

    /**
     * Reads the JSON object of a UTF-8 file.
     *
     * @param file the file
     * @return the object
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming the file when it is not one JSON object
     */
    public static JsonObject read(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(r, file.toString());
        }
    }
}
