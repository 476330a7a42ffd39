package org.cardinal.coco;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;

/**
 * Typed reads from gson's streaming {@link JsonReader} that name the file and field when the
 * value is not what a COCO file must hold there.
 */
final class StreamingFields {
    private StreamingFields() {}

    static void expect(JsonReader in, JsonToken token, String file, String where, String what) throws IOException {
        JsonToken found = in.peek();
        if (found != token) {
            throw new CocoFormatException(file, where, "expected " + what + ", found " + describe(found));
        }
    }

    /** gson appends a troubleshooting link on a second line; messages here are one line. */
    static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    static String describe(JsonToken token) {
        switch (token) {
            case BEGIN_ARRAY:
                return "an array";
            case BEGIN_OBJECT:
                return "an object";
            case STRING:
                return "a string";
            case NUMBER:
                return "a number";
            case BOOLEAN:
                return "a boolean";
            case NULL:
                return "null";
            case END_DOCUMENT:
                return "the end of the file";
            default:
                return token.toString();
        }
    }

    static double readDouble(JsonReader in, String file, String where) throws IOException {
        expect(in, JsonToken.NUMBER, file, where, "a number");
        try {
            return in.nextDouble();
        } catch (NumberFormatException e) {
            throw new CocoFormatException(file, where, "expected a finite number", e);
        }
    }

    /** An id: an integral number (1 and 1.0 are the same id, as in Python's dicts). */
    static long readId(JsonReader in, String file, String where) throws IOException {
        expect(in, JsonToken.NUMBER, file, where, "an integer id");
        try {
            return in.nextLong();
        } catch (NumberFormatException e) {
            throw new CocoFormatException(file, where, "expected an integer id", e);
        }
    }

    static int readIntId(JsonReader in, String file, String where) throws IOException {
        long id = readId(in, file, where);
        if (id != (int) id) {
            throw new CocoFormatException(file, where, "category id " + id + " does not fit in 32 bits");
        }
        return (int) id;
    }

    /** A box [x, y, width, height] into {@code out}. */
    static void readBox(JsonReader in, String file, String where, double[] out) throws IOException {
        expect(in, JsonToken.BEGIN_ARRAY, file, where, "[x, y, width, height]");
        in.beginArray();
        int n = 0;
        while (in.hasNext()) {
            if (n == 4) {
                throw new CocoFormatException(file, where, "expected 4 numbers [x, y, width, height], found more");
            }
            out[n] = readDouble(in, file, where + "[" + n + "]");
            n++;
        }
        in.endArray();
        if (n != 4) {
            throw new CocoFormatException(file, where, "expected 4 numbers [x, y, width, height], found " + n);
        }
    }

    /** pycocotools takes any truthy value as crowd; numbers and booleans are accepted. */
    static boolean readFlag(JsonReader in, String file, String where) throws IOException {
        JsonToken t = in.peek();
        if (t == JsonToken.BOOLEAN) {
            return in.nextBoolean();
        }
        return readDouble(in, file, where) != 0;
    }

    static String readString(JsonReader in, String file, String where) throws IOException {
        JsonToken t = in.peek();
        if (t == JsonToken.NULL) {
            in.nextNull();
            return "";
        }
        expect(in, JsonToken.STRING, file, where, "a string");
        return in.nextString();
    }
}
