package org.cardinal.backbone.weights;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A weight or array file that cannot be read: malformed, truncated, of an unsupported format, or
 * (for PyTorch pickles) asking for a global outside the tensor state_dict allowlist, or asking the
 * reader to allocate beyond its {@link ReadBudget}. The message starts with the file path and names
 * the tensor, entry or global concerned; it is one line (line breaks a file's names may hold are
 * escaped) of at most about {@value #MAX_DETAIL} characters after the path.
 */
public class WeightsFormatException extends IOException {
    private static final long serialVersionUID = 1L;
    static final int MAX_DETAIL = 1000;

    /** Creates an exception whose message is "FILE: detail". */
    public WeightsFormatException(Path file, String detail) {
        super(file + ": " + oneLine(detail));
    }

    /** Same, keeping the low-level cause (e.g. a ZipException) for debugging. */
    public WeightsFormatException(Path file, String detail, Throwable cause) {
        super(file + ": " + oneLine(detail), cause);
    }

    private static String oneLine(String detail) {
        String s = detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) + "..." : detail;
        return s.replace("\r", "\\r").replace("\n", "\\n");
    }
}
