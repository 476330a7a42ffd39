package org.cardinal.detector.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

class RoiAlignTest {

    @Test
    void matchesTorchvisionForwardAndGradient() {
        assertTrue(WeightedRows.useSparse, "PyTorch engine should take the sparse path");
        checkAgainstFixture();
    }

    /** The gather + batched-matmul path (engines without sparse COO) gives the same values. */
    @Test
    void fallbackPathMatchesTorchvision() {
        WeightedRows.useSparse = false;
        try {
            checkAgainstFixture();
        } finally {
            WeightedRows.useSparse = true;
        }
    }

    private static void checkAgainstFixture() {
        JsonObject fx = TorchvisionFixture.load("roi_align.json");
        try (NDManager manager = NDManager.newBaseManager()) {
            for (JsonElement e : fx.getAsJsonArray("cases")) {
                JsonObject c = e.getAsJsonObject();
                NDArray input = TorchvisionFixture.floatArray(manager, fx.get("input"));
                NDArray rois = TorchvisionFixture.floatArray(manager, fx.get("rois"));
                NDArray weight = TorchvisionFixture.floatArray(manager, c.get("gradWeight"));
                input.setRequiresGradient(true);
                String name = c.toString().substring(0, 80);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray out = RoiAlign.roiAlign(
                            input,
                            rois,
                            c.get("outH").getAsInt(),
                            c.get("outW").getAsInt(),
                            c.get("scale").getAsDouble(),
                            c.get("samplingRatio").getAsInt(),
                            c.get("aligned").getAsBoolean());
                    assertEquals(TorchvisionFixture.shape(c.getAsJsonObject("output")), out.getShape(), name);
                    double fwd = TorchvisionFixture.maxAbsDiff(
                            TorchvisionFixture.floats(c.getAsJsonObject("output")), out.toFloatArray());
                    assertTrue(fwd < 1e-5, name + " forward max error " + fwd);
                    gc.backward(out.mul(weight).sum());
                }
                double grad = TorchvisionFixture.maxAbsDiff(
                        TorchvisionFixture.floats(c.getAsJsonObject("grad")),
                        input.getGradient().toFloatArray());
                assertTrue(grad < 1e-5, name + " gradient max error " + grad);
            }
        }
    }

    /** 3x3 map v(y, x) = 3y + x; one bin, one sample: the value is plain bilinear interpolation. */
    @Test
    void singleSampleIsBilinearInterpolationByHand() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray input = manager.create(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, new Shape(1, 1, 3, 3));
            input.setRequiresGradient(true);
            // Box [0.25, 0.5, 1.25, 1.5]: sample at its centre (x 0.75, y 1.0).
            NDArray rois = manager.create(new float[] {0, 0.25f, 0.5f, 1.25f, 1.5f}, new Shape(1, 5));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = RoiAlign.roiAlign(input, rois, 1, 1, 1.0, 1, false);
                assertEquals(3.75f, out.getFloat(0, 0, 0, 0), 1e-6f);
                gc.backward(out.sum());
            }
            // d out / d v: 0.25 to v(1,0), 0.75 to v(1,1).
            assertArrayEquals(
                    new float[] {0, 0, 0, 0.25f, 0.75f, 0, 0, 0, 0},
                    input.getGradient().toFloatArray(),
                    1e-6f);
            // aligned: half-pixel shift gives (x 0.25, y 0.5) -> 3 * 0.5 + 0.25.
            NDArray aligned = RoiAlign.roiAlign(input.stopGradient(), rois, 1, 1, 1.0, 1, true);
            assertEquals(1.75f, aligned.getFloat(0, 0, 0, 0), 1e-6f);
        }
    }

    /** torchvision's border rules: y in [-1, 0] reads row 0, y beyond H contributes zero. */
    @Test
    void bordersFollowTorchvisionRules() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray input = manager.create(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, new Shape(1, 1, 3, 3));
            NDArray rois = manager.create(
                    new float[] {
                        0, 0.5f, -1.0f, 1.5f, 0.0f, // sample (x 1, y -0.5): clamps to row 0
                        0, 0.5f, 2.6f, 1.5f, 3.6f, // sample y 3.1 > H = 3: zero
                        0, 0.5f, 2.0f, 1.5f, 3.0f // sample y 2.5 >= H - 1: snaps to row 2
                    },
                    new Shape(3, 5));
            NDArray out = RoiAlign.roiAlign(input, rois, 1, 1, 1.0, 1, false);
            assertArrayEquals(new float[] {1f, 0f, 7f}, out.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void nanBoxesGiveZerosNotCrashes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray input = manager.ones(new Shape(1, 2, 4, 4));
            NDArray rois = manager.create(new float[] {0, Float.NaN, 0, 2, 2}, new Shape(1, 5));
            NDArray out = RoiAlign.roiAlign(input, rois, 2, 2, 1.0, 2, false);
            assertEquals(new Shape(1, 2, 2, 2), out.getShape());
            assertArrayEquals(new float[8], out.toFloatArray(), 0f);
        }
    }

    @Test
    void emptyRoisGiveEmptyOutput() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray input = manager.ones(new Shape(1, 2, 4, 4));
            NDArray rois = manager.zeros(new Shape(0, 5));
            assertEquals(
                    new Shape(0, 2, 7, 7),
                    RoiAlign.roiAlign(input, rois, 7, 7, 0.25, 2, false).getShape());
            assertEquals(
                    new Shape(0, 2, 7, 7),
                    RoiAlign.roiAlign(input, rois, 7, 7, 0.25, 0, false).getShape());
        }
    }
}
