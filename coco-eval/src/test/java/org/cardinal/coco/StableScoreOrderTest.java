package org.cardinal.coco;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StableScoreOrderTest {
    /** Same order as a reference stable sort (List.sort is a stable merge sort) on many ties, -0.0 and 0.0 tied. */
    @Test
    void descendingAndStableLikeNumpysMergesort() {
        SplittableRandom rng = new SplittableRandom(3);
        for (int n : new int[] {0, 1, 2, 5, 24, 25, 100, 1000, 5000}) {
            double[] score = new double[n];
            for (int i = 0; i < n; i++) {
                int kind = rng.nextInt(4);
                score[i] = kind == 0 ? -0.0 : kind == 1 ? 0.0 : rng.nextInt(20) / 10.0;
            }
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                expected.add(i);
            }
            expected.sort((a, b) -> score[a] < score[b] ? 1 : score[a] > score[b] ? -1 : 0);
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = i;
            }
            StableScoreOrder.sort(score, idx, 0, n, new int[n]);
            assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), idx, "n = " + n);
        }
    }

    @Test
    void longIndexKeepsInsertionOrderWhileGrowing() {
        LongIndex index = new LongIndex(2);
        for (long i = 0; i < 10000; i++) {
            assertEquals((int) i, index.putIfAbsent(i * 7919 - 5000));
        }
        assertEquals(3, index.putIfAbsent(3 * 7919 - 5000), "present ids keep their index");
        for (long i = 0; i < 10000; i++) {
            assertEquals((int) i, index.get(i * 7919 - 5000));
        }
        assertEquals(-1, index.get(1));
        assertEquals(10000, index.size());
    }
}
