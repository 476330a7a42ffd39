package org.cardinal.detector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.cardinal.detector.ops.TorchvisionFixture;
import org.junit.jupiter.api.Test;

class BoxCoderTest {

    @Test
    void matchesTorchvisionEncodeAndDecode() {
        JsonObject fx = TorchvisionFixture.load("box_coder.json");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray proposals = TorchvisionFixture.floatArray(manager, fx.get("proposals"));
            NDArray gt = TorchvisionFixture.floatArray(manager, fx.get("gt"));
            NDArray deltas = TorchvisionFixture.floatArray(manager, fx.get("deltas"));
            for (String name : new String[] {"w10_10_5_5", "w1"}) {
                JsonObject c = fx.getAsJsonObject(name);
                JsonArray w = c.getAsJsonArray("weights");
                BoxCoder coder = new BoxCoder(new double[] {
                    w.get(0).getAsDouble(),
                    w.get(1).getAsDouble(),
                    w.get(2).getAsDouble(),
                    w.get(3).getAsDouble()
                });
                double enc = TorchvisionFixture.maxAbsDiff(
                        TorchvisionFixture.floats(c.getAsJsonObject("encoded")),
                        coder.encode(gt, proposals).toFloatArray());
                assertTrue(enc < 1e-5, name + " encode max error " + enc);
                NDArray decoded = coder.decode(deltas, proposals);
                assertEquals(new Shape(20, 12), decoded.getShape());
                float[] expected = TorchvisionFixture.floats(c.getAsJsonObject("decoded"));
                float[] actual = decoded.toFloatArray();
                for (int i = 0; i < expected.length; i++) {
                    // Clamped deltas reach e^4.1 times the box size: compare relatively.
                    double tol = 1e-5 * Math.max(1, Math.abs(expected[i]));
                    assertEquals(expected[i], actual[i], tol, name + " decode entry " + i);
                }
            }
        }
    }

    /** Invariant: decode(encode(gt, p), p) == gt for well-formed boxes and any weights. */
    @Test
    void encodeDecodeRoundTrip() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(11);
            NDArray xy = manager.randomUniform(0, 500, new Shape(64, 2));
            NDArray proposals = xy.concat(xy.add(manager.randomUniform(1, 300, new Shape(64, 2))), 1);
            NDArray xy2 = xy.add(manager.randomUniform(-20, 20, new Shape(64, 2)));
            NDArray gt = xy2.concat(xy2.add(manager.randomUniform(1, 300, new Shape(64, 2))), 1);
            for (double[] w : new double[][] {{10, 10, 5, 5}, {1, 1, 1, 1}, {2, 3, 7, 0.5}}) {
                BoxCoder coder = new BoxCoder(w);
                NDArray back = coder.decode(coder.encode(gt, proposals), proposals);
                double err = TorchvisionFixture.maxAbsDiff(gt.toFloatArray(), back.toFloatArray());
                assertTrue(err < 1e-3, "round trip error " + err);
            }
        }
    }

    @Test
    void emptyInputsGiveEmptyOutputs() {
        try (NDManager manager = NDManager.newBaseManager()) {
            BoxCoder coder = new BoxCoder(new double[] {10, 10, 5, 5});
            NDArray none = manager.zeros(new Shape(0, 4));
            assertEquals(new Shape(0, 4), coder.encode(none, none).getShape());
            assertEquals(
                    new Shape(0, 12),
                    coder.decode(manager.zeros(new Shape(0, 12)), none).getShape());
        }
    }

    /** By hand: anchor [0,0,10,20], target [5,5,25,25], weights 1 -> (1, 0.25, log 2, 0). */
    @Test
    void encodeByHand() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray anchor = manager.create(new float[] {0, 0, 10, 20}, new Shape(1, 4));
            NDArray target = manager.create(new float[] {5, 5, 25, 25}, new Shape(1, 4));
            float[] d = new BoxCoder(new double[] {1, 1, 1, 1})
                    .encode(target, anchor)
                    .toFloatArray();
            assertEquals(1.0f, d[0], 1e-6f);
            assertEquals(0.25f, d[1], 1e-6f);
            assertEquals((float) Math.log(2), d[2], 1e-6f);
            assertEquals(0f, d[3], 1e-6f);
            // A huge dw is clamped at log(1000/16): width 10 * 62.5 = 625.
            NDArray big = manager.create(new float[] {0, 0, 100, 0}, new Shape(1, 4));
            float[] box =
                    new BoxCoder(new double[] {1, 1, 1, 1}).decode(big, anchor).toFloatArray();
            assertEquals(625f, box[2] - box[0], 1e-3f);
        }
    }
}
