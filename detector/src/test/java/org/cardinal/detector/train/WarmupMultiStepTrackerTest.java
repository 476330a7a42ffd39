package org.cardinal.detector.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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
        // pure function: asking out of order gives the same answers
        assertEquals(t.lr(500), t.lr(500));
        assertEquals(0.02, new WarmupMultiStepTracker(0.02, new int[0], 0.1, 0, 0.001).lr(0), 1e-15);
    }

    @Test
    void momentumSgdIsTorchSgdByHand() {
        // torch.optim.SGD(lr, momentum=0.9, weight_decay=0.1): d = g + wd*w; buf = 0.9*buf + d; w -= lr*buf
        MomentumSgd sgd = MomentumSgd.builder()
                .setLearningRateTracker(new WarmupMultiStepTracker(0.5, new int[] {1}, 0.1, 0, 1))
                .optMomentum(0.9f).optWeightDecay(0.1f).build();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {1f, -2f}, new Shape(2));
            sgd.setIteration(0); // lr 0.5
            sgd.update("w", w, m.create(new float[] {0.5f, 1f}));
            // d = [0.6, 0.8]; buf = d; w = [1 - 0.3, -2 - 0.4]
            assertEquals(0.7f, w.getFloat(0), 1e-6f);
            assertEquals(-2.4f, w.getFloat(1), 1e-6f);
            sgd.setIteration(1); // lr 0.05
            sgd.update("w", w, m.create(new float[] {0f, 1f}));
            // d = [0.07, 0.76]; buf = [0.54 + 0.07, 0.72 + 0.76] = [0.61, 1.48]
            assertEquals(0.7f - 0.05f * 0.61f, w.getFloat(0), 1e-6f);
            assertEquals(-2.4f - 0.05f * 1.48f, w.getFloat(1), 1e-6f);
            assertEquals(1.48f, sgd.buffers(m.getDevice()).get("w").getFloat(1), 1e-6f);
        }
    }
}
