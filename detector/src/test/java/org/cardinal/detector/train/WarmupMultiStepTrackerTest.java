package org.cardinal.detector.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.training.tracker.Tracker;
import org.junit.jupiter.api.Test;

class WarmupMultiStepTrackerTest {

    @Test
    void matchesDetectron2WarmupMultiStepLrByHand() {
        WarmupMultiStepTracker t = new WarmupMultiStepTracker(0.02, new int[] {60000, 80000}, 0.1, 1000, 0.001);
        // warmup: factor = 0.001 * (1 - i/1000) + i/1000
        assertEquals(0.02 * 0.001, t.lr(0), 1e-15);
        assertEquals(0.02 * (0.001 * 0.5 + 0.5), t.lr(500), 1e-15);
        assertEquals(0.02 * (0.001 * 0.001 + 0.999), t.lr(999), 1e-15);
        assertEquals(0.02, t.lr(1000), 1e-15);
        assertEquals(0.02, t.lr(59999), 1e-15);
        // bisect_right: the step iteration itself is already decayed
        assertEquals(0.002, t.lr(60000), 1e-15);
        assertEquals(0.002, t.lr(79999), 1e-15);
        assertEquals(0.0002, t.lr(80000), 1e-15);
        assertEquals(0.0002, t.lr(89999), 1e-15);
        Tracker asDjl = t;
        assertEquals((float) t.lr(60000), asDjl.getNewValue(60000));
        // pure function: asked for an earlier iteration after later ones (as a resumed run does),
        // it gives the by-hand value again, through both entry points
        assertEquals(0.02 * (0.001 * 0.5 + 0.5), t.lr(500), 1e-15);
        assertEquals((float) (0.02 * (0.001 * 0.5 + 0.5)), asDjl.getNewValue(500));
        assertEquals(0.02, t.lr(59999), 1e-15);
        assertEquals(0.02, new WarmupMultiStepTracker(0.02, new int[0], 0.1, 0, 0.001).lr(0), 1e-15);
    }
}
