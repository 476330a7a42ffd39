package org.cardinal.core.train;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Training stopped because a loss, or the norm of its gradient, became NaN or infinite (a
 * detector's or a pretraining run's).
 * The parameters were not updated with that iteration's gradients; the last checkpoint written
 * before it is intact and named here, so the run can continue from it with a lower learning rate.
 */
public final class NonFiniteLossException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final int iteration;
    private final String term;
    private final double value;
    private final double learningRate;
    private final transient Path lastCheckpoint;

    /**
     * @param iteration 1-based iteration whose loss was not finite
     * @param term the loss that was not finite
     * @param value its value (NaN or an infinity)
     */
    public NonFiniteLossException(int iteration, String term, double value) {
        this(iteration, term, value, Double.NaN, null);
    }

    /**
     * @param iteration 1-based iteration whose loss was not finite
     * @param term the loss that was not finite
     * @param value its value
     * @param learningRate the learning rate of that iteration
     * @param lastCheckpoint the newest checkpoint written before it, or null if none
     */
    public NonFiniteLossException(int iteration, String term, double value, double learningRate, Path lastCheckpoint) {
        super(String.format(
                Locale.ROOT,
                "%s is %s at iteration %d%s; training stopped without applying it. " + "Last good checkpoint: %s",
                term,
                value,
                iteration,
                Double.isNaN(learningRate) ? "" : String.format(Locale.ROOT, " (lr %.3g)", learningRate),
                lastCheckpoint == null ? "none yet" : lastCheckpoint));
        this.iteration = iteration;
        this.term = term;
        this.value = value;
        this.learningRate = learningRate;
        this.lastCheckpoint = lastCheckpoint;
    }

    /**
     * @param learningRate the learning rate of the failing iteration
     * @param checkpoint the newest checkpoint before it, or null
     * @return this failure with the trainer's context
     */
    public NonFiniteLossException withContext(double learningRate, Path checkpoint) {
        return new NonFiniteLossException(iteration, term, value, learningRate, checkpoint);
    }

    /** @return the 1-based iteration whose loss was not finite */
    public int iteration() {
        return iteration;
    }

    /** @return the value of the loss: NaN or an infinity */
    public double value() {
        return value;
    }

    /** @return the loss that was not finite */
    public String term() {
        return term;
    }

    /** @return the learning rate of that iteration (NaN if unknown) */
    public double learningRate() {
        return learningRate;
    }

    /** @return the newest checkpoint before it, or null if none was written */
    public Path lastCheckpoint() {
        return lastCheckpoint;
    }
}
