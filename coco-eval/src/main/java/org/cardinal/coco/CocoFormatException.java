package org.cardinal.coco;

/**
 * A COCO ground-truth or results file that cannot be evaluated: malformed JSON, a missing or
 * mistyped field, a negative box size, a result for an image the ground truth does not have.
 *
 * <p>The message is one line, {@code <file>: <record/field>: <what>}, so a command-line tool can
 * print it as is. It is an {@link IllegalArgumentException}: the input, not the program, is wrong.
 */
public class CocoFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final String where;
    private final String what;

    /**
     * @param file the file's name as the user gave it
     * @param where the record and field, e.g. {@code results[17].bbox}; empty when the whole file is meant
     * @param what what was wrong or expected
     */
    public CocoFormatException(String file, String where, String what) {
        super(format(file, where, what));
        this.file = file;
        this.where = where;
        this.what = what;
    }

    /** The same message, keeping the underlying exception as the cause. */
    public CocoFormatException(String file, String where, String what, Throwable cause) {
        super(format(file, where, what), cause);
        this.file = file;
        this.where = where;
        this.what = what;
    }

    private static String format(String file, String where, String what) {
        return where == null || where.isEmpty() ? file + ": " + what : file + ": " + where + ": " + what;
    }

    /** The file's name as given by the user. */
    public String file() {
        return file;
    }

    /** The record and field (may be empty). */
    public String where() {
        return where;
    }

    /** What was wrong. */
    public String what() {
        return what;
    }
}
