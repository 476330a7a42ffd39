package org.cardinal.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StepGradientsTest {

    @Test
    void eachStepHasItsOwnGradientsAndFreesThemWhenClosed() {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter w = MomentumSgdTest.parameter("w", m.create(new float[] {1f, -2f}), true);
            ParameterStore base = new ParameterStore(m, false);
            NDArray first;
            try (StepGradients step = new StepGradients(base, Map.of(w.getId(), w.getArray()))) {
                first = step.getValue(w, m.getDevice(), true);
                assertNotSame(w.getArray(), first);
                backward(first, m.create(new float[] {0.5f, 1f})); // d/dw sum(w * g) = g
                backward(first, m.create(new float[] {1f, 1f})); // accumulates within the step
                assertArrayEquals(
                        new float[] {1.5f, 2f}, step.gradient(w.getId()).toFloatArray());
                // the parameter's own array took no gradient
                assertArrayEquals(
                        new float[] {0f, 0f}, w.getArray().getGradient().toFloatArray());
            }
            assertTrue(first.isReleased(), "the step's leaf (and with it its gradient) outlived the step");
            try (StepGradients step = new StepGradients(base, Map.of(w.getId(), w.getArray()))) {
                assertArrayEquals(new float[] {0f, 0f}, step.gradient(w.getId()).toFloatArray());
                backward(step.getValue(w, m.getDevice(), true), m.create(new float[] {0f, 3f}));
                assertArrayEquals(new float[] {0f, 3f}, step.gradient(w.getId()).toFloatArray());
            }
        }
    }

    @Test
    void theLeafIsTheParametersStorage() {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter w = MomentumSgdTest.parameter("w", m.create(new float[] {1f, -2f}), true);
            try (StepGradients step =
                    new StepGradients(new ParameterStore(m, false), Map.of(w.getId(), w.getArray()))) {
                NDArray leaf = step.getValue(w, m.getDevice(), true);
                try (NDArray view = w.getArray().stopGradient()) {
                    view.subi(m.create(new float[] {0.25f, 0.5f})); // an optimizer's in-place update
                }
                assertArrayEquals(new float[] {0.75f, -2.5f}, leaf.toFloatArray());
            }
        }
    }

    @Test
    void otherParametersComeFromTheBaseStore() {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter w = MomentumSgdTest.parameter("w", m.create(new float[] {1f}), true);
            Parameter mean = MomentumSgdTest.parameter("running_mean", m.create(new float[] {3f}), false);
            try (StepGradients step =
                    new StepGradients(new ParameterStore(m, false), Map.of(w.getId(), w.getArray()))) {
                assertSame(mean.getArray(), step.getValue(mean, m.getDevice(), true));
                assertThrows(IllegalArgumentException.class, () -> step.gradient(mean.getId()));
            }
        }
    }

    private static void backward(NDArray w, NDArray grad) {
        try (GradientCollector gc = Autograd.record()) {
            gc.backward(w.mul(grad).sum());
        }
    }
}
