package org.cardinal.detector.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NmsTest {

    @Test
    void matchesTorchvisionNmsAndBatchedNms() {
        JsonObject fx = TorchvisionFixture.load("nms.json");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray boxes = TorchvisionFixture.floatArray(manager, fx.get("nms_boxes"));
            NDArray scores = TorchvisionFixture.floatArray(manager, fx.get("nms_scores"));
            NDArray idxs = TorchvisionFixture.longArray(manager, fx.get("nms_idxs"));
            for (String thr : new String[] {"0.3", "0.5", "0.7"}) {
                double t = Double.parseDouble(thr);
                NDArray keep = Nms.nms(boxes, scores, t);
                assertEquals(DataType.INT64, keep.getDataType());
                assertArrayEquals(
                        TorchvisionFixture.longs(fx.getAsJsonObject("nms_" + thr)), keep.toLongArray(), "nms " + thr);
                assertArrayEquals(
                        TorchvisionFixture.longs(fx.getAsJsonObject("batched_" + thr)),
                        Nms.batchedNms(boxes, scores, idxs, t).toLongArray(),
                        "batched_nms " + thr);
            }
            NDArray tied = TorchvisionFixture.floatArray(manager, fx.get("tied_scores"));
            assertArrayEquals(
                    TorchvisionFixture.longs(fx.getAsJsonObject("tied_0.5")),
                    Nms.nms(boxes, tied, 0.5).toLongArray(),
                    "tied scores keep input order");
            assertArrayEquals(
                    TorchvisionFixture.longs(fx.getAsJsonObject("tied_batched_0.5")),
                    Nms.batchedNms(boxes, tied, idxs, 0.5).toLongArray(),
                    "tied scores, batched");
        }
    }

    /** Against a brute-force reference: repeatedly take the best remaining box, drop overlaps. */
    @Test
    void matchesBruteForceOnRandomBoxes() {
        Random random = new Random(7);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 20; trial++) {
                int n = 1 + random.nextInt(120);
                float[] b = new float[4 * n];
                float[] s = new float[n];
                long[] cls = new long[n];
                for (int i = 0; i < n; i++) {
                    float x = random.nextFloat() * 60;
                    float y = random.nextFloat() * 60;
                    b[4 * i] = x;
                    b[4 * i + 1] = y;
                    b[4 * i + 2] = x + 1 + random.nextFloat() * 30;
                    b[4 * i + 3] = y + 1 + random.nextFloat() * 30;
                    s[i] = (i * 7919 % n + random.nextFloat() * 0.5f) / n; // distinct scores
                    cls[i] = random.nextInt(3);
                }
                double thr = 0.2 + 0.6 * random.nextDouble();
                NDArray boxes = manager.create(b, new Shape(n, 4));
                NDArray scores = manager.create(s);
                assertArrayEquals(
                        bruteForce(b, s, null, thr), Nms.nms(boxes, scores, thr).toLongArray(), "trial " + trial);
                assertArrayEquals(
                        bruteForce(b, s, cls, thr),
                        Nms.batchedNms(boxes, scores, manager.create(cls), thr).toLongArray(),
                        "batched trial " + trial);
            }
        }
    }

    @Test
    void emptyInputKeepsNothing() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray keep = Nms.nms(manager.zeros(new Shape(0, 4)), manager.zeros(new Shape(0)), 0.5);
            assertEquals(new Shape(0), keep.getShape());
            assertEquals(DataType.INT64, keep.getDataType());
        }
    }

    private static long[] bruteForce(float[] b, float[] s, long[] cls, double thr) {
        int n = s.length;
        List<Integer> remaining = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            remaining.add(i);
        }
        List<Long> keep = new ArrayList<>();
        while (!remaining.isEmpty()) {
            int best = remaining.get(0);
            for (int i : remaining) {
                if (s[i] > s[best]) {
                    best = i;
                }
            }
            keep.add((long) best);
            List<Integer> next = new ArrayList<>();
            for (int i : remaining) {
                boolean sameClass = cls == null || cls[i] == cls[best];
                if (i != best && !(sameClass && iou(b, best, i) > thr)) {
                    next.add(i);
                }
            }
            remaining = next;
        }
        return keep.stream().mapToLong(Long::longValue).toArray();
    }

    private static double iou(float[] b, int i, int j) {
        double w = Math.max(0, Math.min(b[4 * i + 2], b[4 * j + 2]) - Math.max(b[4 * i], b[4 * j]));
        double h = Math.max(0, Math.min(b[4 * i + 3], b[4 * j + 3]) - Math.max(b[4 * i + 1], b[4 * j + 1]));
        double ai = (b[4 * i + 2] - b[4 * i]) * (double) (b[4 * i + 3] - b[4 * i + 1]);
        double aj = (b[4 * j + 2] - b[4 * j]) * (double) (b[4 * j + 3] - b[4 * j + 1]);
        return w * h / (ai + aj - w * h);
    }
}
