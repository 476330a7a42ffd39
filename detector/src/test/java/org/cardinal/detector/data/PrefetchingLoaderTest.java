package org.cardinal.detector.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrefetchingLoaderTest {

    @TempDir
    Path dir;

    CocoDetectionDataset ds;

    @BeforeEach
    void setUp() throws IOException {
        RectangleScenes.write(
                dir.resolve("img"),
                dir.resolve("ann.json"),
                RectangleScenes.twoClassScenes(7, 32),
                Map.of(1, "red", 2, "blue"));
        ds = CocoDetectionDataset.load(
                dir.resolve("ann.json"), dir.resolve("img"), CocoDetectionDataset.Options.defaults());
    }

    /** (image id, flipped, first box x1) per image of {@code batches} batches from start. */
    private List<String> trace(long seed, int workers, long start, int batches) throws IOException {
        List<String> out = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager();
                PrefetchingLoader l = PrefetchingLoader.training(ds, m, 3, seed, 0.5, start, workers, 2)) {
            for (int b = 0; b < batches; b++) {
                try (DetectionBatch batch = l.next()) {
                    assertEquals(start + b, batch.index());
                    for (DetectionSample s : batch.samples()) {
                        out.add(s.imageId() + ":" + s.flipped() + ":"
                                + s.boxes().getFloat(0, 0));
                    }
                }
            }
        }
        return out;
    }

    @Test
    void orderIsAFunctionOfSeedAndPositionOnly() throws IOException {
        List<String> a = trace(5, 1, 0, 6);
        assertEquals(a, trace(5, 3, 0, 6)); // worker count does not matter
        assertEquals(a.subList(9, 18), trace(5, 2, 3, 3)); // starting at batch 3 = resuming
        assertNotEquals(a, trace(6, 1, 0, 6));
        assertTrue(a.stream().anyMatch(s -> s.contains(":true:")));
        assertTrue(a.stream().anyMatch(s -> s.contains(":false:")));
    }

    @Test
    void everyEpochVisitsEveryImageOnce() {
        SampleOrder order = new SampleOrder(7, 11, 0.5);
        for (int epoch = 0; epoch < 3; epoch++) {
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 7; i++) {
                seen.add(order.indexAt(epoch * 7L + i));
            }
            assertEquals(7, seen.size());
        }
        int[] e0 = new int[7];
        int[] e1 = new int[7];
        for (int i = 0; i < 7; i++) {
            e0[i] = order.indexAt(i);
            e1[i] = order.indexAt(7 + i);
        }
        assertFalse(java.util.Arrays.equals(e0, e1), "epochs are reshuffled");
        int flips = 0;
        for (int p = 0; p < 10000; p++) {
            flips += order.flipAt(p) ? 1 : 0;
        }
        assertEquals(5000, flips, 200);
        assertFalse(new SampleOrder(7, 11, 0).flipAt(3));
    }

    @Test
    void inOrderVisitsEachImageOnceWithAShortLastBatch() throws IOException {
        List<Long> ids = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager();
                PrefetchingLoader l = PrefetchingLoader.inOrder(ds, m, 3, 2, 2)) {
            while (l.hasNext()) {
                try (DetectionBatch b = l.next()) {
                    sizes.add(b.size());
                    for (long id : b.imageIds()) {
                        ids.add(id);
                    }
                    assertTrue(b.samples().stream().noneMatch(DetectionSample::flipped));
                }
            }
        }
        assertEquals(List.of(3, 3, 1), sizes);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), ids);
    }

    @Test
    void batchesHoldImagesOfDifferentSizes() throws IOException {
        RectangleScenes.write(
                dir.resolve("mix"),
                dir.resolve("mix.json"),
                List.of(
                        new RectangleScenes.Scene(1, "a.png", 20, 10, List.of()),
                        new RectangleScenes.Scene(2, "b.png", 12, 30, List.of())),
                Map.of(1, "x"));
        CocoDetectionDataset mix = CocoDetectionDataset.load(
                dir.resolve("mix.json"), dir.resolve("mix"), CocoDetectionDataset.Options.defaults());
        try (NDManager m = NDManager.newBaseManager();
                PrefetchingLoader l = PrefetchingLoader.inOrder(mix, m, 2, 1, 1);
                DetectionBatch b = l.next()) {
            assertArrayEquals(
                    new long[] {3, 10, 20}, b.images().get(0).getShape().getShape());
            assertArrayEquals(
                    new long[] {3, 30, 12}, b.images().get(1).getShape().getShape());
        }
    }

    @Test
    void closeStopsWorkersAndFreesUnconsumedBatches() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            PrefetchingLoader l = PrefetchingLoader.training(ds, m, 2, 1, 0.5, 0, 2, 4);
            try (DetectionBatch b = l.next()) {
                assertEquals(2, b.size());
            }
            l.close(); // three more batches were in flight or ready
            assertTrue(l.isTerminated());
            assertEquals(0, m.getManagedArrays().size(), "arrays left after close");
            l.close(); // idempotent
        }
    }
}
