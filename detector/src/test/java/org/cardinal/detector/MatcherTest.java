package org.cardinal.detector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import org.cardinal.detector.ops.TorchvisionFixture;
import org.junit.jupiter.api.Test;

class MatcherTest {

    @Test
    void matchesTorchvision() {
        JsonObject fx = TorchvisionFixture.load("matcher.json");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray q = TorchvisionFixture.floatArray(manager, fx.get("quality"));
            for (String name : new String[] {"rpn", "roi", "mid"}) {
                JsonObject c = fx.getAsJsonObject(name);
                Matcher m = new Matcher(
                        c.get("high").getAsFloat(),
                        c.get("low").getAsFloat(),
                        c.get("allowLowQuality").getAsBoolean());
                NDArray matches = m.match(q);
                assertEquals(DataType.INT64, matches.getDataType());
                assertArrayEquals(TorchvisionFixture.longs(c.getAsJsonObject("matches")), matches.toLongArray(), name);
            }
        }
    }

    /** Rows are ground truths, columns predictions. */
    @Test
    void thresholdsAndLowQualityMatchesByHand() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray q = manager.create(
                    new float[] {
                        0.9f, 0.5f, 0.1f, 0.2f, 0.2f,
                        0.1f, 0.6f, 0.2f, 0.25f, 0.25f
                    },
                    new Shape(2, 5));
            // high 0.7, low 0.3: pred0 -> 0; pred1 best 0.6 between; pred2 0.2 below;
            // pred3/4 0.25 below.
            assertArrayEquals(
                    new long[] {0, -2, -1, -1, -1},
                    new Matcher(0.7f, 0.3f, false).match(q).toLongArray());
            // Low-quality rule: gt1's best is pred1 (0.6) -> pred1 keeps its argmax (gt1).
            // gt0's best is pred0 (already matched).
            assertArrayEquals(
                    new long[] {0, 1, -1, -1, -1},
                    new Matcher(0.7f, 0.3f, true).match(q).toLongArray());
        }
    }

    /** Every prediction tying for a ground truth's best quality is kept, as in torchvision. */
    @Test
    void lowQualityTiesAreAllKept() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray q = manager.create(
                    new float[] {
                        0.4f, 0.1f, 0.4f, 0.0f,
                        0.0f, 0.2f, 0.0f, 0.0f
                    },
                    new Shape(2, 4));
            // gt0 best 0.4 at pred0 and pred2; gt1 best 0.2 at pred1.
            assertArrayEquals(
                    new long[] {0, 1, 0, -1},
                    new Matcher(0.7f, 0.3f, true).match(q).toLongArray());
            // A ground truth overlapping nothing (best 0) matches every zero-quality prediction.
            NDArray none = manager.create(new float[] {0.8f, 0f, 0f, 0f, 0f, 0f}, new Shape(2, 3));
            assertArrayEquals(
                    new long[] {0, 0, 0},
                    new Matcher(0.7f, 0.3f, true).match(none).toLongArray());
        }
    }

    @Test
    void noGroundTruthMeansAllBackground() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray empty = manager.zeros(new Shape(0, 6));
            assertArrayEquals(
                    new long[] {-1, -1, -1, -1, -1, -1},
                    new Matcher(0.7f, 0.3f, true).match(empty).toLongArray());
            assertEquals(
                    new Shape(0),
                    new Matcher(0.5f, 0.5f, false)
                            .match(manager.zeros(new Shape(3, 0)))
                            .getShape());
        }
    }
}
