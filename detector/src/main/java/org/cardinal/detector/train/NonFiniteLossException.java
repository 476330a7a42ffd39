package org.cardinal.detector.train;

/**
 * Training stopped because a loss became NaN or infinite. The parameters were not updated with
 * that iteration's gradients; the last checkpoint written before it is intact and named here.
 */
public final class NonFiniteLossException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final int iteration;

    /**
     * @param iteration 1-based iteration whose loss was not finite
     * @param message the full message
     */
    public NonFiniteLossException(int iteration, String message) {
        super(message);
        this.iteration = iteration;
    }

    /** The 1-based iteration whose loss was not finite. */
    public int iteration() {
        return iteration;
    }
}
