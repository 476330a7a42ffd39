package org.cardinal.core.train;

/**
 * Work that a {@link StopRequest} cut short before it was done: thrown by a phase that cannot
 * keep a partial result (a time estimate, an evaluation) and by a tool whose run stopped early,
 * so that the tool's exit code says the work was not finished. What was saved before the stop (a
 * checkpoint) stays; the message says what was cut short.
 */
public final class StoppedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message one line: what stopped and what was cut short, e.g. "stopped by SIGTERM ..." */
    public StoppedException(String message) {
        super(message);
    }
}
