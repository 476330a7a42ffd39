package org.cardinal.core.train;

/**
 * Asks a running training loop to stop at the end of its current iteration, after saving a
 * checkpoint there: what a command-line tool does on Ctrl-C or SIGTERM (a cluster's preemption, a
 * {@code timeout}). Loops poll {@link #isRequested()} between iterations, never in the middle of
 * native work, so the process can then exit without tearing memory away from the engine. A phase
 * with nothing to save (a time estimate, an evaluation) calls {@link #throwIfRequested} between its
 * steps instead.
 */
public final class StopRequest {

    private final StopRequest parent;
    private volatile String reason;

    /** A request of its own. */
    public StopRequest() {
        this(null);
    }

    private StopRequest(StopRequest parent) {
        this.parent = parent;
    }

    /**
     * @return a request that is also requested whenever this one is, and that can be requested on
     *     its own without touching this one (e.g. to stop a task's siblings when it fails)
     */
    public StopRequest child() {
        return new StopRequest(this);
    }

    /**
     * @param why what asked for the stop (shown to the user), e.g. "SIGTERM"
     */
    public void request(String why) {
        reason = why == null ? "a stop request" : why;
    }

    /** @return whether a stop was asked for */
    public boolean isRequested() {
        return reason() != null;
    }

    /**
     * Ends a phase that has nothing to save when a stop was asked for.
     *
     * @param during what is cut short, e.g. "while measuring the time estimate"
     * @throws StoppedException "stopped by REASON DURING" when a stop was asked for
     */
    public void throwIfRequested(String during) {
        String why = reason();
        if (why != null) {
            throw new StoppedException("stopped by " + why + " " + during);
        }
    }

    /** @return what asked for the stop (this request's parent first), or null */
    public String reason() {
        String inherited = parent == null ? null : parent.reason();
        return inherited != null ? inherited : reason;
    }
}
