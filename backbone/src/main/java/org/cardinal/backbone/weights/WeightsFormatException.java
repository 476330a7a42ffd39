package org.cardinal.backbone.weights;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A weight or array file that cannot be read: malformed, truncated, of an unsupported format, or
 * (for PyTorch pickles) asking for a global outside the tensor state_dict allowlist. The message
 * starts with the file path and names the tensor or global concerned.
 */
public class WeightsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception whose message is "FILE: detail". */
    public WeightsFormatException(Path file, String detail) {
        super(file + ": " + detail);
    }

    /** Same, keeping the low-level cause (e.g. a ZipException) for debugging. */
    public WeightsFormatException(Path file, String detail, Throwable cause) {
        super(file + ": " + detail, cause);
    }
}
