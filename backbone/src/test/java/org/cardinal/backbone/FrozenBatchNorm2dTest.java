package org.cardinal.backbone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

class FrozenBatchNorm2dTest {

    @Test
    void appliesTheFixedAffineOfTheRunningStatistics() {
        try (NDManager m = NDManager.newBaseManager()) {
            FrozenBatchNorm2d bn = new FrozenBatchNorm2d(2);
            bn.initialize(m, DataType.FLOAT32, new Shape(1, 2, 1, 2));
            set(bn, "weight", 2f, 0.5f);
            set(bn, "bias", 1f, -1f);
            set(bn, "running_mean", 3f, 0f);
            set(bn, "running_var", 4f, 1f);
            NDArray x = m.create(new float[] {3f, 5f, 2f, -2f}, new Shape(1, 2, 1, 2));
            // Hand computation: channel 0 scale 2/sqrt(4+1e-5), shift 1 - 3*scale; channel 1 scale 0.5/sqrt(1+1e-5).
            double s0 = 2 / Math.sqrt(4 + 1e-5);
            double s1 = 0.5 / Math.sqrt(1 + 1e-5);
            float[] expected = {
                (float) (3 * s0 + 1 - 3 * s0),
                (float) (5 * s0 + 1 - 3 * s0),
                (float) (2 * s1 - 1),
                (float) (-2 * s1 - 1)
            };
            for (boolean training : new boolean[] {false, true}) {
                NDArray y = bn.forward(new ParameterStore(m, false), new NDList(x), training)
                        .singletonOrThrow();
                assertArrayEquals(expected, y.toFloatArray(), 1e-6f);
            }
        }
    }

    @Test
    void passesTheScaleBackToItsInputOnly() {
        try (NDManager m = NDManager.newBaseManager()) {
            FrozenBatchNorm2d bn = new FrozenBatchNorm2d(2);
            bn.initialize(m, DataType.FLOAT32, new Shape(1, 2, 1, 2));
            set(bn, "weight", 2f, 0.5f);
            set(bn, "running_var", 4f, 1f);
            NDArray x = m.create(new float[] {3f, 5f, 2f, -2f}, new Shape(1, 2, 1, 2));
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(bn.forward(new ParameterStore(m, false), new NDList(x), true)
                        .singletonOrThrow()
                        .sum());
            }
            // d(sum y)/dx = scale of the channel: 2/sqrt(4+1e-5), 0.5/sqrt(1+1e-5).
            float s0 = (float) (2 / Math.sqrt(4 + 1e-5));
            float s1 = (float) (0.5 / Math.sqrt(1 + 1e-5));
            assertArrayEquals(new float[] {s0, s0, s1, s1}, x.getGradient().toFloatArray(), 1e-6f);
            bn.getParameters().forEach(p -> assertFalse(p.getValue().getArray().hasGradient(), p.getKey()));
        }
    }

    private static void set(FrozenBatchNorm2d bn, String name, float a, float b) {
        NDArray arr = bn.getParameters().get(name).getArray();
        arr.set(new float[] {a, b});
    }
}
