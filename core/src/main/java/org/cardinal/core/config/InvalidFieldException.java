package org.cardinal.core.config;

/**
 * Thrown by a config record's constructor when one field is out of range. The record knows the
 * field's name but not the file it came from; {@link ConfigBinder} adds the file and the path of
 * the field, so that every config type reports a bad value in the same words.
 */
public final class InvalidFieldException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String field;
    private final String expected;
    private final String found;

    /**
     * @param field the field's JSON name (snake_case) relative to the record
     * @param expected what a valid value is, e.g. "a positive number"
     * @param found the value given
     */
    public InvalidFieldException(String field, String expected, Object found) {
        super("field '" + field + "': expected " + expected + ", found " + found);
        this.field = field;
        this.expected = expected;
        this.found = String.valueOf(found);
    }

    /**
     * Throws unless {@code ok}.
     *
     * @param ok whether the value is valid
     * @param field the field's JSON name
     * @param expected what a valid value is
     * @param found the value given
     * @throws InvalidFieldException when {@code ok} is false
     */
    public static void require(boolean ok, String field, String expected, Object found) {
        if (!ok) {
            throw new InvalidFieldException(field, expected, found);
        }
    }

    /** @return the field's JSON name relative to the record that threw */
    public String field() {
        return field;
    }

    /** @return what a valid value is */
    public String expected() {
        return expected;
    }

    /** @return the value given */
    public String found() {
        return found;
    }
}
