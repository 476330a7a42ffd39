package org.cardinal.core.config;

import com.google.gson.JsonElement;
import java.util.Collection;
import java.util.TreeSet;

/**
 * Where a value sits in a config file: the file (or other source) and the dotted path of the
 * field ({@code "solver.base_lr"}, {@code "backbones[1].layers"}). Every config error is made
 * here, so that all config types word them alike.
 *
 * @param source the file the value came from, as the user named it
 * @param path the field's path from the top of the file; empty for the top-level object
 */
public record ConfigPath(String source, String path) {

    /**
     * @param source the file, as the user named it
     * @return the top of that file
     */
    public static ConfigPath root(String source) {
        return new ConfigPath(source, "");
    }

    /**
     * @param name a field of the object at this path
     * @return the path of that field
     */
    public ConfigPath field(String name) {
        return new ConfigPath(source, path.isEmpty() ? name : path + "." + name);
    }

    /**
     * @param i an element of the array at this path
     * @return the path of that element
     */
    public ConfigPath index(int i) {
        return new ConfigPath(source, path + "[" + i + "]");
    }

    /**
     * @param expected what a valid value is
     * @param found the value given
     * @return "SOURCE: field 'PATH': expected EXPECTED, found FOUND"
     */
    public ConfigException invalid(String expected, Object found) {
        String shown = found instanceof JsonElement e ? e.toString() : String.valueOf(found);
        if (shown.length() > 80) {
            shown = shown.substring(0, 77) + "...";
        }
        return new ConfigException(where() + "expected " + expected + ", found " + shown);
    }

    /**
     * @param expected what the field must hold
     * @return "SOURCE: missing field 'PATH': expected EXPECTED"
     */
    public ConfigException missing(String expected) {
        return new ConfigException(source + ": missing field '" + path + "': expected " + expected);
    }

    /**
     * @param known the fields the object may hold
     * @return "SOURCE: unknown field 'PATH' (known fields: ...)"
     */
    public ConfigException unknown(Collection<String> known) {
        return new ConfigException(source + ": unknown field '" + path + "' (known fields: "
                + String.join(", ", new TreeSet<>(known)) + ")");
    }

    /**
     * @param e a record constructor's complaint about one of its fields
     * @return the same complaint with this file and the field's full path
     */
    public ConfigException invalid(InvalidFieldException e) {
        return field(e.field()).invalid(e.expected(), e.found());
    }

    /**
     * @param problem what is wrong with the file as a whole
     * @return "SOURCE: PROBLEM"
     */
    public ConfigException fileError(String problem) {
        return new ConfigException(source + ": " + problem);
    }

    private String where() {
        return path.isEmpty() ? source + ": " : source + ": field '" + path + "': ";
    }
}
