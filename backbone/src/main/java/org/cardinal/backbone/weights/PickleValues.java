package org.cardinal.backbone.weights;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import org.cardinal.backbone.weights.Unpickler.Tuple;

/**
 * What the readers do with unpickled values besides building them, written so that no value can make
 * them recurse without bound or run long: a value may be a list that contains itself, a tuple
 * nested a million deep, or a tuple of tuples shared so that it unfolds exponentially.
 */
final class PickleValues {
    /** Deepest dict key (a tuple of tuples) accepted; Python's own repr and hash recurse too. */
    static final int MAX_KEY_DEPTH = 100;
    /** Most values in one dict key (tuples count with their elements, shared ones each time). */
    static final int MAX_KEY_VALUES = 1000;

    private PickleValues() {}

    /** Python's name for the type of an unpickled value, or the Java class's. */
    static String typeName(Object o) {
        return o == null ? "None" : o instanceof Tuple ? "tuple" : o.getClass().getSimpleName();
    }

    /**
     * Why {@code k} cannot be a dict key, or null when it can. Lists, dicts and bytes cannot (nor a
     * tuple holding one, as in Python, which also rules out cyclic keys); a tuple key is at most
     * {@value #MAX_KEY_DEPTH} deep and {@value #MAX_KEY_VALUES} values large, so that hashing and
     * comparing it stays cheap and shallow.
     */
    static String unhashable(Object k) {
        ArrayDeque<Object> todo = new ArrayDeque<>();
        ArrayDeque<Integer> depths = new ArrayDeque<>();
        todo.push(k);
        depths.push(1);
        int seen = 0;
        while (!todo.isEmpty()) {
            Object o = todo.pop();
            int depth = depths.pop();
            if (++seen > MAX_KEY_VALUES) {
                return "dict key holds more than " + MAX_KEY_VALUES + " values";
            }
            if (depth > MAX_KEY_DEPTH) {
                return "dict key nested deeper than " + MAX_KEY_DEPTH + " tuples";
            }
            if (o instanceof List<?> || o instanceof Map<?, ?> || o instanceof byte[]) {
                return "unhashable dict key of type " + typeName(o) + (o == k ? "" : " (inside a tuple)");
            }
            if (o instanceof Tuple t) {
                for (Object item : t.items()) {
                    todo.push(item);
                    depths.push(depth + 1);
                }
            }
        }
        return null;
    }

    /**
     * A short, one-line rendering of an unpickled value for error messages: at most {@code max}
     * characters, whatever the value's size, depth or cycles.
     */
    static String describe(Object o, int max) {
        StringBuilder sb = new StringBuilder();
        describe(o, sb, max);
        if (sb.length() > max) {
            sb.setLength(max);
            sb.append("...");
        }
        return sb.toString().replace('\n', ' ').replace('\r', ' ');
    }

    /** Appends until {@code sb} passes {@code max}; each level appends before it recurses, so depth <= max. */
    private static void describe(Object o, StringBuilder sb, int max) {
        if (sb.length() > max) {
            return;
        }
        if (o instanceof Tuple t) {
            sb.append('(');
            items(t.items(), sb, max);
            sb.append(t.size() == 1 ? ",)" : ")");
        } else if (o instanceof List<?> l) {
            sb.append('[');
            items(l, sb, max);
            sb.append(']');
        } else if (o instanceof Map<?, ?> m) {
            sb.append('{');
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (sb.length() > max) {
                    return;
                }
                if (sb.charAt(sb.length() - 1) != '{') {
                    sb.append(", ");
                }
                describe(e.getKey(), sb, max);
                sb.append(": ");
                describe(e.getValue(), sb, max);
            }
            sb.append('}');
        } else if (o instanceof String s) {
            sb.append('\'').append(s, 0, Math.min(s.length(), max + 1)).append('\'');
        } else if (o instanceof byte[] b) {
            sb.append("b<").append(b.length).append(" bytes>");
        } else if (o instanceof BigInteger b && b.bitLength() > 256) {
            sb.append("<an int of ").append(b.bitLength()).append(" bits>");
        } else {
            String s = String.valueOf(o);
            sb.append(s, 0, Math.min(s.length(), max + 1));
        }
    }

    private static void items(List<?> items, StringBuilder sb, int max) {
        for (int i = 0; i < items.size() && sb.length() <= max; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            describe(items.get(i), sb, max);
        }
    }
}
