package org.cardinal.core.config;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.internal.LazilyParsedNumber;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.EOFException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads config and metadata files as strict JSON (RFC 8259): comments, unquoted keys or strings,
 * single quotes, trailing commas, NaN and a key given twice are errors, not silently accepted as
 * gson's lenient parser would. Every error is one line naming the file, and the line and column.
 */
public final class JsonFiles {

    private JsonFiles() {}

    /**
     * Reads the JSON object of a UTF-8 file.
     *
     * @param file the file
     * @return its top-level object
     * @throws ConfigException naming the file when it is missing, unreadable, not strict JSON or
     *     not an object
     */
    public static JsonObject readObject(Path file) {
        if (!Files.isRegularFile(file)) {
            throw ConfigPath.root(file.toString()).fileError("file not found");
        }
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parseObject(r, file.toString());
        } catch (IOException e) {
            throw ConfigPath.root(file.toString()).fileError("cannot read: " + e.getMessage());
        }
    }

    /**
     * Parses one JSON object.
     *
     * @param text the JSON text
     * @param source names the text in error messages
     * @return the object
     * @throws ConfigException naming the source when the text is not one strict JSON object
     */
    public static JsonObject parseObject(String text, String source) {
        return parseObject(new StringReader(text), source);
    }

    /**
     * Parses one JSON object.
     *
     * @param reader the JSON text
     * @param source names the text in error messages
     * @return the object
     * @throws ConfigException naming the source when the text is not one strict JSON object
     */
    public static JsonObject parseObject(Reader reader, String source) {
        JsonElement e = parse(reader, source);
        if (!e.isJsonObject()) {
            throw ConfigPath.root(source).fileError("expected a JSON object at the top, found " + kind(e));
        }
        return e.getAsJsonObject();
    }

    /**
     * Parses one strict JSON value followed by nothing but white space.
     *
     * @param reader the JSON text
     * @param source names the text in error messages
     * @return the value
     * @throws ConfigException naming the source, line and column on malformed JSON
     */
    public static JsonElement parse(Reader reader, String source) {
        JsonReader in = new JsonReader(reader);
        in.setStrictness(Strictness.STRICT);
        try {
            JsonElement value = read(in, source);
            if (in.peek() != JsonToken.END_DOCUMENT) {
                throw malformed(source, in, "more than one JSON value");
            }
            return value;
        } catch (EOFException e) {
            throw ConfigPath.root(source).fileError("malformed JSON: the text ends too early");
        } catch (MalformedJsonException | IllegalStateException | NumberFormatException e) {
            throw malformed(source, in, clean(e.getMessage()));
        } catch (IOException e) {
            throw ConfigPath.root(source).fileError("cannot read: " + e.getMessage());
        }
    }

    /**
     * @param value a JSON value
     * @return its pretty-printed text, the form Cardinal writes config files in
     */
    public static String pretty(JsonElement value) {
        return new GsonBuilder()
                .setPrettyPrinting()
                .disableHtmlEscaping()
                .create()
                .toJson(value);
    }

    private static JsonElement read(JsonReader in, String source) throws IOException {
        switch (in.peek()) {
            case BEGIN_OBJECT -> {
                JsonObject o = new JsonObject();
                in.beginObject();
                while (in.hasNext()) {
                    String name = in.nextName();
                    if (o.has(name)) {
                        throw malformed(source, in, "field '" + name + "' appears twice");
                    }
                    o.add(name, read(in, source));
                }
                in.endObject();
                return o;
            }
            case BEGIN_ARRAY -> {
                JsonArray a = new JsonArray();
                in.beginArray();
                while (in.hasNext()) {
                    a.add(read(in, source));
                }
                in.endArray();
                return a;
            }
            case STRING -> {
                return new JsonPrimitive(in.nextString());
            }
            case NUMBER -> {
                return new JsonPrimitive(new LazilyParsedNumber(in.nextString()));
            }
            case BOOLEAN -> {
                return new JsonPrimitive(in.nextBoolean());
            }
            case NULL -> {
                in.nextNull();
                return JsonNull.INSTANCE;
            }
            default -> throw malformed(source, in, "unexpected " + in.peek());
        }
    }

    private static ConfigException malformed(String source, JsonReader in, String what) {
        String at = in.toString().replaceFirst("^JsonReader", "").trim();
        return ConfigPath.root(source).fileError("malformed JSON" + (at.isEmpty() ? "" : " " + at) + ": " + what);
    }

    /** gson appends its own location and a troubleshooting link; the message here names both. */
    private static String clean(String message) {
        if (message == null) {
            return "not valid JSON";
        }
        String m = message.replaceAll("\\s*See https?://\\S+", "");
        m = m.replaceAll("\\s+at line \\d+ column \\d+ path \\S*", "");
        return m.replaceAll("Use JsonReader.setStrictness\\(Strictness.LENIENT\\) to accept malformed JSON", "")
                .trim();
    }

    private static String kind(JsonElement e) {
        if (e.isJsonArray()) {
            return "an array";
        }
        if (e.isJsonNull()) {
            return "null";
        }
        return "a single value " + e;
    }
}
