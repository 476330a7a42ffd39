package org.cardinal.detector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.detector.ops.TorchvisionFixture;
import org.junit.jupiter.api.Test;

class AnchorGeneratorTest {

    @Test
    void matchesTorchvisionAnchors() {
        JsonObject fx = TorchvisionFixture.load("anchors.json");
        try (NDManager manager = NDManager.newBaseManager()) {
            for (String name : new String[] {"fpn", "custom"}) {
                JsonObject c = fx.getAsJsonObject(name);
                JsonArray sizes = c.getAsJsonArray("sizes");
                JsonArray ratios = c.getAsJsonArray("ratios");
                int[][] s = new int[sizes.size()][];
                double[][] r = new double[ratios.size()][];
                for (int l = 0; l < s.length; l++) {
                    JsonArray sl = sizes.get(l).getAsJsonArray();
                    s[l] = new int[sl.size()];
                    for (int i = 0; i < s[l].length; i++) {
                        s[l][i] = sl.get(i).getAsInt();
                    }
                    JsonArray rl = ratios.get(l).getAsJsonArray();
                    r[l] = new double[rl.size()];
                    for (int i = 0; i < r[l].length; i++) {
                        r[l][i] = rl.get(i).getAsDouble();
                    }
                }
                AnchorGenerator gen = name.equals("fpn") ? AnchorGenerator.fpnDefault() : new AnchorGenerator(s, r);
                List<Shape> grids = new ArrayList<>();
                for (var g : c.getAsJsonArray("grids")) {
                    JsonArray a = g.getAsJsonArray();
                    grids.add(new Shape(2, 256, a.get(0).getAsLong(), a.get(1).getAsLong()));
                }
                JsonArray image = c.getAsJsonArray("image");
                long h = image.get(0).getAsLong();
                long w = image.get(1).getAsLong();
                NDArray anchors = gen.anchors(manager, h, w, grids);
                JsonObject expected = c.getAsJsonObject("anchors");
                assertEquals(TorchvisionFixture.shape(expected), anchors.getShape(), name);
                assertArrayEquals(TorchvisionFixture.floats(expected), anchors.toFloatArray(), 0f, name);
                // Second call hits the cache and must give the same values.
                assertArrayEquals(
                        anchors.toFloatArray(),
                        gen.anchors(manager, h, w, grids).toFloatArray(),
                        0f);
            }
        }
    }

    /** Size 32: ratio 0.5 -> w 45.25, h 22.63; ratio 2 -> w 22.63, h 45.25; halves rounded. */
    @Test
    void baseAnchorsByHand() {
        AnchorGenerator gen = AnchorGenerator.fpnDefault();
        assertArrayEquals(new int[] {3, 3, 3, 3, 3}, gen.numAnchorsPerLocation());
        assertArrayEquals(new float[] {-23, -11, 23, 11, -16, -16, 16, 16, -11, -23, 11, 23}, gen.cellAnchors(0), 0f);
    }

    /** Strides are floor(image / grid); the first cell sits at 0, the next one stride away. */
    @Test
    void gridShiftsByStride() {
        AnchorGenerator gen = new AnchorGenerator(new int[][] {{8}}, new double[][] {{1.0}});
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = gen.anchors(manager, 10, 21, List.of(new Shape(2, 3)));
            // strides: y 10 / 2 = 5, x 21 / 3 = 7
            assertArrayEquals(
                    new float[] {
                        -4, -4, 4, 4, 3, -4, 11, 4, 10, -4, 18, 4,
                        -4, 1, 4, 9, 3, 1, 11, 9, 10, 1, 18, 9
                    },
                    a.toFloatArray(),
                    0f);
        }
    }
}
