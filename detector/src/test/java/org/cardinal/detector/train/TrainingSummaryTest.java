package org.cardinal.detector.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The closing line says what this call trained and, after a resume, what the whole run has. */
class TrainingSummaryTest {

    private static TrainingSummary summary(int iterations, int thisRun) {
        return new TrainingSummary(iterations, thisRun, 100.74, 1.823, null, null, null, Map.of());
    }

    @Test
    void aRunFromTheStartSaysHowLongItsIterationsTook() {
        assertEquals(
                "trained 900 iterations in 100.7 s (1.82 images/s)",
                summary(900, 900).describe());
    }

    @Test
    void aResumedRunSaysWhatThisCallDidAndWhatTheWholeRunHas() {
        // the case: 42 iterations after a resume were reported as "trained 900 iterations in 100.7 s"
        assertEquals(
                "resumed at iteration 858: trained 42 iterations (859 to 900) in 100.7 s (1.82 images/s);"
                        + " the whole run: 900 iterations",
                summary(900, 42).describe());
        assertEquals(
                "resumed at iteration 899: trained 1 iteration (900 to 900) in 100.7 s (1.82 images/s);"
                        + " the whole run: 900 iterations",
                summary(900, 1).describe());
        assertEquals(
                "resumed at iteration 900: no iteration left to train; the whole run: 900 iterations",
                summary(900, 0).describe());
    }
}
