package org.cardinal.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.tracker.Tracker;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MomentumSgdTest {

    @Test
    void trackerDrivenUpdateIsTorchSgdByHand() {
        // torch.optim.SGD(lr, momentum=0.9, weight_decay=0.1): d = g + wd*w; buf = 0.9*buf + d; w -= lr*buf
        Tracker schedule = iteration -> iteration == 0 ? 0.5f : 0.05f;
        MomentumSgd sgd = MomentumSgd.builder()
                .setLearningRateTracker(schedule)
                .optMomentum(0.9f)
                .optWeightDecay(0.1f)
                .build();
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

    @Test
    void namedParameterStepIsTorchSgdByHandWithEachStepsOwnGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter w = parameter("w", m.create(new float[] {1f, -2f}), true);
            Parameter frozen = parameter("frozen", m.create(new float[] {3f}), false);
            Map<String, Parameter> named = new LinkedHashMap<>();
            named.put("layer.w", w);
            named.put("layer.frozen", frozen);
            try (MomentumSgd sgd = MomentumSgd.forParameters(named, 0.9f, 0.1f)) {
                assertEquals(List.of("layer.w"), List.copyOf(sgd.state().keySet()));
                assertEquals(List.of(w.getId()), List.copyOf(sgd.trainable().keySet()));
                step(sgd, w, m.create(new float[] {0.5f, 1f}), 0.5f);
                assertArrayEquals(new float[] {0.7f, -2.4f}, w.getArray().toFloatArray(), 1e-6f);
                // the second step sees its own gradient only: nothing of the first is accumulated
                step(sgd, w, m.create(new float[] {0f, 1f}), 0.05f);
                assertArrayEquals(
                        new float[] {0.7f - 0.05f * 0.61f, -2.4f - 0.05f * 1.48f},
                        w.getArray().toFloatArray(),
                        1e-6f);
                assertArrayEquals(
                        new float[] {0.61f, 1.48f}, sgd.state().get("layer.w").toFloatArray(), 1e-6f);
                assertEquals(3f, frozen.getArray().getFloat(0));
            }
        }
    }

    /** One step whose backward leaves {@code grad} as w's gradient (d/dw of sum(w * grad)). */
    private static void step(MomentumSgd sgd, Parameter w, NDArray grad, float lr) {
        try (StepGradients grads = new StepGradients(new ParameterStore(grad.getManager(), false), sgd.trainable())) {
            backward(grads.getValue(w, grad.getDevice(), true), grad);
            sgd.step(lr, grads);
        }
    }

    @Test
    void plainSgdWithoutDecayIsWMinusLrGradAndLeavesTheGradientAsItIs() {
        MomentumSgd sgd = MomentumSgd.builder().optMomentum(0f).build();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {1f, -2f});
            NDArray g = m.create(new float[] {0.5f, 1f});
            sgd.update("w", w, g, 0.1f);
            assertArrayEquals(new float[] {0.95f, -2.1f}, w.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {0.5f, 1f}, g.toFloatArray());
            sgd.update("w", w, g, 0.1f); // no momentum: the same step again
            assertArrayEquals(new float[] {0.9f, -2.2f}, w.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void loadStateRestoresTheBuffersByNameAndNamesAMissingOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, Parameter> named = Map.of("w", parameter("w", m.create(new float[] {1f, 2f}), true));
            try (MomentumSgd sgd = MomentumSgd.forParameters(named, 0.9f, 0f)) {
                sgd.loadState(Map.of("w", m.create(new float[] {4f, 5f})));
                assertArrayEquals(new float[] {4f, 5f}, sgd.state().get("w").toFloatArray());
                IllegalArgumentException missing =
                        assertThrows(IllegalArgumentException.class, () -> sgd.loadState(Map.of()));
                assertTrue(missing.getMessage().contains("w"), missing.getMessage());
                IllegalArgumentException shape = assertThrows(
                        IllegalArgumentException.class,
                        () -> sgd.loadState(Map.of("w", m.create(new float[] {1f, 2f, 3f}))));
                assertTrue(shape.getMessage().contains("(3)"), shape.getMessage());
            }
        }
    }

    @Test
    void aTrackerlessOptimizerRefusesATrackerDrivenUpdate() {
        MomentumSgd sgd = MomentumSgd.builder().build();
        assertThrows(IllegalStateException.class, sgd::learningRate);
    }

    /** A parameter over {@code value}, which requires a gradient when {@code trainable}. */
    static Parameter parameter(String name, NDArray value, boolean trainable) {
        Parameter p = Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.WEIGHT)
                .optRequiresGrad(trainable)
                .optArray(value)
                .build();
        if (trainable) {
            value.setRequiresGradient(true);
        }
        return p;
    }

    /** Leaves {@code grad} in {@code w}'s gradient (d/dw of sum(w * grad)). */
    private static void backward(NDArray w, NDArray grad) {
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(w.mul(grad).sum());
        }
    }
}
