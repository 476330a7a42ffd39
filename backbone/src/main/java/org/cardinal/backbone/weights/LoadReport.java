package org.cardinal.backbone.weights;

import java.util.List;

/**
 * What {@link StateDicts#load} did: names (without prefix) that were copied, model parameters the
 * state dict lacked, and state dict entries no parameter matched. Strict loading throws instead
 * of returning non-empty {@code missing} or {@code unexpected}.
 */
public record LoadReport(List<String> loaded, List<String> missing, List<String> unexpected) {
    /** Lists are copied; the report is immutable. */
    public LoadReport {
        loaded = List.copyOf(loaded);
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
    }
}
