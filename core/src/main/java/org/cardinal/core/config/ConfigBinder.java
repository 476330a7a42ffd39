package org.cardinal.core.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one mechanism that turns a config file into an immutable Java record and back.
 *
 * <p>A record component {@code baseLr} is the JSON field {@code base_lr}. {@link #bind} starts
 * from a JSON object of defaults, lays the user's fields over it, refuses a field the record does
 * not have, converts each value to the component's type, and calls the canonical constructor,
 * whose validation ({@link InvalidFieldException#require}) is reported with the file and the
 * field's path. A field missing from both the user's object and the defaults is an error; a
 * default of JSON {@code null} marks an optional field, which stays {@code null} when left out.
 *
 * <p>A component annotated {@link Alias} is also read under its earlier names (one of them at a
 * time) and written under its current name only: the one mechanism by which a renamed field keeps
 * old files working.
 *
 * <p>Component types: {@code int}, {@code long}, {@code double}, {@code boolean}, {@code String},
 * enums (written in lower case), arrays and {@code List}s of these, {@link JsonObject} (any object,
 * kept as given, for a record that interprets it itself), nested records (bound with no
 * defaults unless the type says otherwise), and any type with a static {@code fromJson(JsonElement,
 * ConfigPath)} method, which reads itself (for values with defaults of their own, or with more than
 * one form, such as a backbone given by name or as an object). {@link #toJson} writes the same
 * form back (a type with a {@code toJson()} method returning a {@link JsonElement} writes itself),
 * so a resolved config written into a run folder reads back equal.
 */
public final class ConfigBinder {

    private ConfigBinder() {}

    /**
     * Binds a JSON object to a record.
     *
     * @param json the user's value (must be an object; {@code null} is an empty object)
     * @param type the record class
     * @param defaults values of the fields the user may leave out (never modified)
     * @param at where {@code json} sits, for error messages
     * @param <R> the record type
     * @return the record
     * @throws ConfigException naming the file and field on an unknown, missing or invalid field
     */
    public static <R extends Record> R bind(JsonElement json, Class<R> type, JsonObject defaults, ConfigPath at) {
        JsonObject given = object(json, at);
        RecordComponent[] components = type.getRecordComponents();
        Map<String, RecordComponent> byName = new LinkedHashMap<>();
        Map<String, String> aliases = new LinkedHashMap<>();
        for (RecordComponent c : components) {
            byName.put(jsonName(c.getName()), c);
            Alias alias = c.getAnnotation(Alias.class);
            for (String old : alias == null ? new String[0] : alias.value()) {
                aliases.put(old, jsonName(c.getName()));
            }
        }
        // the name the user gave each field under, where it is an alias
        Map<String, String> spelled = new LinkedHashMap<>();
        for (String key : given.keySet()) {
            String current = aliases.get(key);
            if (current != null) {
                if (given.has(current) || spelled.containsKey(current)) {
                    throw at.field(key)
                            .fileError("field '" + at.field(key).path() + "' is the earlier name of '" + current
                                    + "', which is also given: keep '" + current + "' only");
                }
                spelled.put(current, key);
            } else if (!byName.containsKey(key)) {
                throw at.field(key).unknown(byName.keySet());
            }
        }
        Object[] args = new Object[components.length];
        int i = 0;
        for (Map.Entry<String, RecordComponent> e : byName.entrySet()) {
            String name = e.getKey();
            String as = spelled.getOrDefault(name, name);
            JsonElement value = present(given, as) ? given.get(as) : defaults.get(name);
            ConfigPath field = at.field(as);
            if (value == null) {
                throw field.missing(describe(e.getValue().getGenericType()));
            }
            // a null default marks an optional field: absent stays null
            args[i++] = value.isJsonNull() ? null : convert(value, e.getValue().getGenericType(), field);
        }
        return construct(type, components, args, at);
    }

    /**
     * Reads one field of an object before the whole object is bound (for a default that depends
     * on it, e.g. a schedule scaled to the batch size).
     *
     * @param json the user's object
     * @param name the field's JSON name
     * @param type its type
     * @param fallback the value when the field is absent or null
     * @param at where {@code json} sits
     * @param <T> the field's type
     * @return the value
     */
    @SuppressWarnings("unchecked")
    public static <T> T field(JsonElement json, String name, Class<T> type, T fallback, ConfigPath at) {
        JsonObject o = object(json, at);
        if (!present(o, name)) {
            return fallback;
        }
        return (T) convert(o.get(name), type, at.field(name));
    }

    /**
     * Writes a record in the form {@link #bind} reads.
     *
     * @param config the record
     * @return its JSON object; null components are left out
     */
    public static JsonObject toJson(Record config) {
        JsonObject o = new JsonObject();
        for (RecordComponent c : config.getClass().getRecordComponents()) {
            Object v;
            try {
                Method accessor = c.getAccessor();
                accessor.setAccessible(true); // a config record may be private to its package
                v = accessor.invoke(config);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + c.getName() + " of " + config, e);
            }
            if (v != null) {
                o.add(jsonName(c.getName()), write(v));
            }
        }
        return o;
    }

    /**
     * @param name a record component's name ({@code rpnPreNmsTopNTrain})
     * @return its JSON field name ({@code rpn_pre_nms_top_n_train})
     */
    public static String jsonName(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 8);
        for (char ch : name.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                sb.append('_').append(Character.toLowerCase(ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    private static boolean present(JsonObject o, String name) {
        return o.has(name) && !o.get(name).isJsonNull();
    }

    private static JsonObject object(JsonElement json, ConfigPath at) {
        if (json == null || json.isJsonNull()) {
            return new JsonObject();
        }
        if (!json.isJsonObject()) {
            throw at.invalid("an object", json);
        }
        return json.getAsJsonObject();
    }

    private static <R extends Record> R construct(
            Class<R> type, RecordComponent[] components, Object[] args, ConfigPath at) {
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
        }
        try {
            Constructor<R> ctor = type.getDeclaredConstructor(types);
            ctor.setAccessible(true); // a config record may be private to its package
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InvalidFieldException f) {
                throw at.invalid(f);
            }
            if (cause instanceof ConfigException c) {
                throw c;
            }
            if (cause instanceof IllegalArgumentException iae) {
                throw at.fileError((at.path().isEmpty() ? "" : at.path() + ": ") + iae.getMessage());
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + type.getName(), e);
        }
    }

    private static Object convert(JsonElement v, Type type, ConfigPath at) {
        if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
            Type element = p.getActualTypeArguments()[0];
            JsonArray a = array(v, type, at);
            List<Object> out = new ArrayList<>(a.size());
            for (int i = 0; i < a.size(); i++) {
                out.add(convert(a.get(i), element, at.index(i)));
            }
            return List.copyOf(out);
        }
        Class<?> c = (Class<?>) type;
        if (c == int.class || c == Integer.class) {
            long x = integral(v, type, at);
            if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
                throw at.invalid(describe(type), v);
            }
            return (int) x;
        }
        if (c == long.class || c == Long.class) {
            return integral(v, type, at);
        }
        if (c == double.class || c == Double.class) {
            if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
                return v.getAsDouble();
            }
            throw at.invalid(describe(type), v);
        }
        if (c == boolean.class || c == Boolean.class) {
            if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean()) {
                return v.getAsBoolean();
            }
            throw at.invalid(describe(type), v);
        }
        if (c == String.class) {
            if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()) {
                return v.getAsString();
            }
            throw at.invalid(describe(type), v);
        }
        if (c.isEnum()) {
            if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()) {
                for (Object constant : c.getEnumConstants()) {
                    if (((Enum<?>) constant).name().equalsIgnoreCase(v.getAsString())) {
                        return constant;
                    }
                }
            }
            throw at.invalid(describe(type), v);
        }
        if (c == JsonObject.class) {
            // a free-form object the record interprets itself (e.g. overrides merged into another file)
            if (v.isJsonObject()) {
                return v.getAsJsonObject().deepCopy();
            }
            throw at.invalid(describe(type), v);
        }
        if (c.isArray()) {
            JsonArray a = array(v, type, at);
            Object out = java.lang.reflect.Array.newInstance(c.getComponentType(), a.size());
            for (int i = 0; i < a.size(); i++) {
                java.lang.reflect.Array.set(out, i, convert(a.get(i), c.getComponentType(), at.index(i)));
            }
            return out;
        }
        Method reader = reader(c);
        if (reader != null) {
            try {
                return reader.invoke(null, v, at);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        if (c.isRecord()) {
            @SuppressWarnings("unchecked")
            Class<? extends Record> r = (Class<? extends Record>) c;
            return bind(v, r, new JsonObject(), at);
        }
        throw new IllegalStateException("no JSON form for " + c.getName());
    }

    private static long integral(JsonElement v, Type type, ConfigPath at) {
        if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
            try {
                BigDecimal d = v.getAsBigDecimal();
                return d.stripTrailingZeros().longValueExact();
            } catch (ArithmeticException | NumberFormatException e) {
                // not a whole number in range: reported below
            }
        }
        throw at.invalid(describe(type), v);
    }

    private static JsonArray array(JsonElement v, Type type, ConfigPath at) {
        if (!v.isJsonArray()) {
            throw at.invalid(describe(type), v);
        }
        return v.getAsJsonArray();
    }

    private static Method reader(Class<?> c) {
        try {
            Method m = c.getMethod("fromJson", JsonElement.class, ConfigPath.class);
            return Modifier.isStatic(m.getModifiers()) ? m : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static JsonElement write(Object v) {
        if (v instanceof JsonElement e) {
            return e.deepCopy();
        }
        if (v instanceof Boolean b) {
            return new JsonPrimitive(b);
        }
        if (v instanceof Number n) {
            return new JsonPrimitive(n);
        }
        if (v instanceof String s) {
            return new JsonPrimitive(s);
        }
        if (v instanceof Enum<?> e) {
            return new JsonPrimitive(e.name().toLowerCase(Locale.ROOT));
        }
        if (v.getClass().isArray()) {
            JsonArray a = new JsonArray();
            int n = java.lang.reflect.Array.getLength(v);
            for (int i = 0; i < n; i++) {
                a.add(write(java.lang.reflect.Array.get(v, i)));
            }
            return a;
        }
        if (v instanceof List<?> list) {
            JsonArray a = new JsonArray();
            for (Object x : list) {
                a.add(x == null ? JsonNull.INSTANCE : write(x));
            }
            return a;
        }
        try {
            Method m = v.getClass().getMethod("toJson");
            if (JsonElement.class.isAssignableFrom(m.getReturnType())) {
                return (JsonElement) m.invoke(v);
            }
        } catch (NoSuchMethodException e) {
            // no writer of its own: a plain record below
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        if (v instanceof Record r) {
            return toJson(r);
        }
        throw new IllegalStateException("no JSON form for " + v.getClass().getName());
    }

    /**
     * @param type a component type
     * @return what a valid value looks like, in the words of error messages
     */
    static String describe(Type type) {
        if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
            return "an array of " + plural(p.getActualTypeArguments()[0]);
        }
        Class<?> c = (Class<?>) type;
        if (c == int.class || c == Integer.class || c == long.class || c == Long.class) {
            return "an integer";
        }
        if (c == double.class || c == Double.class) {
            return "a number";
        }
        if (c == boolean.class || c == Boolean.class) {
            return "true or false";
        }
        if (c == String.class) {
            return "a string";
        }
        if (c.isEnum()) {
            List<String> names = new ArrayList<>();
            for (Object constant : c.getEnumConstants()) {
                names.add("\"" + ((Enum<?>) constant).name().toLowerCase(Locale.ROOT) + "\"");
            }
            return "one of " + String.join(", ", names);
        }
        if (c.isArray()) {
            return "an array of " + plural(c.getComponentType());
        }
        return "an object";
    }

    private static String plural(Type element) {
        String one = describe(element);
        return switch (one) {
            case "an integer" -> "integers";
            case "a number" -> "numbers";
            case "a string" -> "strings";
            case "true or false" -> "booleans";
            case "an object" -> "objects";
            default -> one.startsWith("an array of ") ? "arrays of " + one.substring(12) : "values (" + one + ")";
        };
    }
}
