package org.cardinal.core.config;

import com.google.gson.JsonElement;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Where two resolved configs differ, in words a user can act on: a run folder that holds a run of
 * another config (a comparison's run, a checkpoint resumed) must say which field changed, not just
 * that something did.
 */
public final class JsonDifference {

    private JsonDifference() {}

    /**
     * @param there the config a folder holds
     * @param now the config that would run now
     * @param path where the two values sit ("" for the top)
     * @param ignored dotted paths whose values may differ (fields that do not change what is trained)
     * @return the first field where two JSON values differ, as "field 'a.b': X there, Y now", or
     *     null when they are equal outside {@code ignored}
     */
    public static String first(JsonElement there, JsonElement now, String path, Set<String> ignored) {
        if (ignored.contains(path)) {
            return null;
        }
        if (there != null && now != null && there.isJsonObject() && now.isJsonObject()) {
            Set<String> keys = new LinkedHashSet<>(there.getAsJsonObject().keySet());
            keys.addAll(now.getAsJsonObject().keySet());
            for (String k : keys) {
                String d = first(
                        there.getAsJsonObject().get(k),
                        now.getAsJsonObject().get(k),
                        path.isEmpty() ? k : path + "." + k,
                        ignored);
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (there == null ? now == null : numbersEqual(there, now) || there.equals(now)) {
            return null;
        }
        return "field '" + path + "': " + (there == null ? "absent" : there) + " there, "
                + (now == null ? "absent" : now) + " now";
    }

    /** 600 and 600.0 are the same value: JSON written and read back may change the form, not the number. */
    private static boolean numbersEqual(JsonElement a, JsonElement b) {
        return a != null
                && b != null
                && a.isJsonPrimitive()
                && b.isJsonPrimitive()
                && a.getAsJsonPrimitive().isNumber()
                && b.getAsJsonPrimitive().isNumber()
                && a.getAsBigDecimal().compareTo(b.getAsBigDecimal()) == 0;
    }
}
