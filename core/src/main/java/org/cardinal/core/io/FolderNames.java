package org.cardinal.core.io;

/**
 * Names that become one folder (or file) name inside another folder: a run's name under
 * {@code runs/}, an artifact id under {@code runs/predict/}. Such a name must stay inside its
 * parent, whatever a config or a downloaded file says.
 */
public final class FolderNames {

    /** What {@link #isPlain} accepts, in words for error messages. */
    public static final String RULE =
            "one folder name: not empty, not only dots, without '/', '\\' or control characters";

    private FolderNames() {}

    /**
     * Whether {@code name} names a folder inside its parent: not null or empty, not only dots
     * ({@code .} is the parent itself and {@code ..} the folder above it), and without a path
     * separator ({@code /}, {@code \}) or a control character.
     */
    public static boolean isPlain(String name) {
        return name != null
                && !name.isEmpty()
                && !name.matches("\\.+")
                && name.chars().noneMatch(c -> c == '/' || c == '\\' || c < 0x20 || c == 0x7f);
    }
}
