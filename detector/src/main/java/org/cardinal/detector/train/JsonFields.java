package org.cardinal.detector.train;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed reads of one JSON object of a run config, each error naming the source file, the
 * object path and the field with what was expected.
 */
final class JsonFields {

    private final JsonObject json;
    private final String where; // "file: solver"

    JsonFields(JsonObject json, String source, String section) {
        this.json = json == null ? new JsonObject() : json;
        this.where = source + ": " + section;
    }

    /** Rejects fields not in {@code known} (a typo must not silently fall back to a default). */
    void rejectUnknown(Set<String> known) {
        for (String key : json.keySet()) {
            if (!known.contains(key)) {
                throw error(key, "a known field; known fields: " + new TreeSet<>(known), json.get(key));
            }
        }
    }

    boolean has(String field) {
        return json.has(field) && !json.get(field).isJsonNull();
    }

    int getInt(String field, int dflt) {
        if (!has(field)) {
            return dflt;
        }
        JsonElement e = json.get(field);
        if (isNumber(e)) {
            double d = e.getAsDouble();
            if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
                return (int) d;
            }
        }
        throw error(field, "an integer", e);
    }

    long getLong(String field, long dflt) {
        if (!has(field)) {
            return dflt;
        }
        JsonElement e = json.get(field);
        if (isNumber(e)) {
            try {
                return e.getAsJsonPrimitive().getAsBigDecimal().longValueExact();
            } catch (ArithmeticException ex) {
                // fall through to the error below
            }
        }
        throw error(field, "an integer", e);
    }

    double getDouble(String field, double dflt) {
        if (!has(field)) {
            return dflt;
        }
        JsonElement e = json.get(field);
        if (isNumber(e)) {
            return e.getAsDouble();
        }
        throw error(field, "a number", e);
    }

    boolean getBoolean(String field, boolean dflt) {
        if (!has(field)) {
            return dflt;
        }
        JsonElement e = json.get(field);
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
            return e.getAsBoolean();
        }
        throw error(field, "true or false", e);
    }

    String getString(String field, String dflt) {
        if (!has(field)) {
            return dflt;
        }
        JsonElement e = json.get(field);
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        throw error(field, "a string", e);
    }

    int[] getIntArray(String field, int[] dflt) {
        if (!has(field)) {
            return dflt;
        }
        JsonElement e = json.get(field);
        if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            int[] out = new int[a.size()];
            for (int i = 0; i < a.size(); i++) {
                JsonElement x = a.get(i);
                if (!isNumber(x) || x.getAsDouble() != Math.rint(x.getAsDouble())) {
                    throw error(field, "an array of integers", e);
                }
                out[i] = x.getAsInt();
            }
            return out;
        }
        throw error(field, "an array of integers", e);
    }

    IllegalArgumentException error(String field, String expected, Object found) {
        return new IllegalArgumentException(
                where + ": field '" + field + "': expected " + expected + ", found " + found);
    }

    private static boolean isNumber(JsonElement e) {
        return e.isJsonPrimitive() && ((JsonPrimitive) e).isNumber();
    }
}
