package org.cardinal.detector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BalancedPositiveNegativeSamplerTest {

    /** labels: nPos of 1..3, nNeg of 0, nIgnore of -1, shuffled deterministically. */
    private static long[] labels(int nPos, int nNeg, int nIgnore) {
        long[] l = new long[nPos + nNeg + nIgnore];
        for (int i = 0; i < l.length; i++) {
            int slot = (int) ((i * 7919L) % l.length);
            l[slot] = i < nPos ? 1 + i % 3 : i < nPos + nNeg ? 0 : -1;
        }
        return l;
    }

    private static int count(boolean[] mask) {
        int c = 0;
        for (boolean b : mask) {
            c += b ? 1 : 0;
        }
        return c;
    }

    private static boolean[] bools(NDArray a) {
        long[] v = a.toType(DataType.INT64, false).toLongArray();
        boolean[] out = new boolean[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] != 0;
        }
        return out;
    }

    @Test
    void respectsRatioAndAvailability() {
        int[][] cases = { // nPos, nNeg, nIgnore, batch, expected pos, expected neg (fraction 0.25)
            {100, 1000, 50, 512, 100, 412},
            {300, 1000, 50, 512, 128, 384},
            {10, 1000, 0, 512, 10, 502},
            {10, 20, 5, 512, 10, 20},
            {0, 600, 0, 512, 0, 512},
            {300, 0, 7, 512, 128, 0},
            {0, 0, 9, 512, 0, 0},
        };
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int[] c : cases) {
                long[] l = labels(c[0], c[1], c[2]);
                BalancedPositiveNegativeSampler sampler = new BalancedPositiveNegativeSampler(c[3], 0.25);
                NDList masks = sampler.sample(manager.create(l), 42);
                boolean[] pos = bools(masks.get(0));
                boolean[] neg = bools(masks.get(1));
                String what = Arrays.toString(c);
                assertEquals(c[4], count(pos), "positives " + what);
                assertEquals(c[5], count(neg), "negatives " + what);
                for (int i = 0; i < l.length; i++) {
                    assertFalse(pos[i] && l[i] < 1, "positive mask on a non-positive " + what);
                    assertFalse(neg[i] && l[i] != 0, "negative mask on a non-negative " + what);
                }
            }
        }
    }

    @Test
    void rpnDefaultsHalfPositive() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList masks =
                    new BalancedPositiveNegativeSampler(256, 0.5).sample(manager.create(labels(500, 5000, 100)), 1);
            assertEquals(128, count(bools(masks.get(0))));
            assertEquals(128, count(bools(masks.get(1))));
        }
    }

    @Test
    void seedMakesDrawReproducibleAndDrawsVary() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray l = manager.create(labels(200, 2000, 0));
            BalancedPositiveNegativeSampler a = new BalancedPositiveNegativeSampler(64, 0.25);
            BalancedPositiveNegativeSampler b = new BalancedPositiveNegativeSampler(64, 0.25);
            boolean[] first = bools(a.sample(l, 5).get(1));
            assertArrayEquals(first, bools(b.sample(l, 5).get(1)));
            assertNotEquals(
                    Arrays.toString(first), Arrays.toString(bools(a.sample(l, 6).get(1))));
            assertArrayEquals(first, bools(a.sample(l, 5).get(1)));
        }
    }

    /** Every negative is equally likely: over many draws each one is picked about k/n times. */
    @Test
    void drawIsUniform() {
        try (NDManager manager = NDManager.newBaseManager()) {
            long[] l = new long[40]; // all negatives
            NDArray labels = manager.create(l);
            BalancedPositiveNegativeSampler s = new BalancedPositiveNegativeSampler(10, 0.5);
            int[] hits = new int[l.length];
            int draws = 400;
            for (int d = 0; d < draws; d++) {
                boolean[] neg = bools(s.sample(labels, 3 + d).get(1));
                for (int i = 0; i < neg.length; i++) {
                    hits[i] += neg[i] ? 1 : 0;
                }
            }
            // Expected 100 each (binomial sd ~8.7); 5 sd bounds.
            for (int h : hits) {
                assertTrue(h > 56 && h < 144, "uneven draw " + Arrays.toString(hits));
            }
        }
    }
}
