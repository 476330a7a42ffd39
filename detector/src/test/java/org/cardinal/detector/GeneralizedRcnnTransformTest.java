package org.cardinal.detector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Resize, pad and box mapping; torchvision's values for whole batches are in FasterRcnnParityTest. */
class GeneralizedRcnnTransformTest {

    private final GeneralizedRcnnTransform defaults = GeneralizedRcnnTransform.of(DetectorConfig.defaults());

    @Test
    void shortSideGoesToMinSizeUnlessLongSideExceedsMaxSize() {
        // 800 / 480 = 1.667 < 1333 / 640: short side 800, long side floor(640 * 1.667) = 1066.
        assertArrayEquals(new int[] {800, 1066}, defaults.resizedSize(480, 640));
        // 1333 / 1000 < 800 / 100: the long side caps, floor(100 * 1.333) = 133.
        assertArrayEquals(new int[] {1333, 133}, defaults.resizedSize(1000, 100));
        // Already at size: unchanged.
        assertArrayEquals(new int[] {800, 1333}, defaults.resizedSize(800, 1333));
    }

    @Test
    void bilinearUpsampleMatchesHandComputedAlignCornersFalse() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {0, 1, 2, 3}, new Shape(1, 2, 2));
            // 2 -> 4 samples: source = max(0, (d + 0.5) / 2 - 0.5) = 0, 0.25, 0.75, 1.25 (clamped
            // to the last pixel), so the profile along each axis is 0, 0.25, 0.75, 1.
            float[] f = {0f, 0.25f, 0.75f, 1f};
            float[] expected = new float[16];
            for (int y = 0; y < 4; y++) {
                for (int xx = 0; xx < 4; xx++) {
                    expected[4 * y + xx] = 2 * f[y] + f[xx];
                }
            }
            NDArray y = GeneralizedRcnnTransform.resize(x, 4, 4);
            assertEquals(new Shape(1, 4, 4), y.getShape());
            assertArrayEquals(expected, y.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void bilinearDownsampleAveragesNeighbours() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {0, 1, 2, 3}, new Shape(1, 1, 4));
            // 4 -> 2: source = (d + 0.5) * 2 - 0.5 = 0.5, 2.5.
            NDArray y = GeneralizedRcnnTransform.resize(x, 1, 2);
            assertArrayEquals(new float[] {0.5f, 2.5f}, y.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void batchPadsToMultipleOf32WithZerosAtBottomRight() {
        GeneralizedRcnnTransform t =
                new GeneralizedRcnnTransform(40, 100, new double[] {0, 0, 0}, new double[] {1, 1, 1}, 32);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.ones(new Shape(3, 20, 30));
            NDArray b = m.ones(new Shape(3, 30, 20));
            ImageList batch = t.apply(List.of(a, b));
            // a: 40 x 60; b: 60 x 40 -> padded 64 x 64.
            assertArrayEquals(new int[] {40, 60}, batch.imageSizes().get(0));
            assertArrayEquals(new int[] {60, 40}, batch.imageSizes().get(1));
            assertEquals(new Shape(2, 3, 64, 64), batch.tensors().getShape());
            assertEquals(3 * 40 * 60, batch.tensors().get(0).sum().getFloat(), 1e-3);
            assertEquals(0f, batch.tensors().get("0, :, 40:, :").abs().sum().getFloat());
            assertEquals(0f, batch.tensors().get("1, :, :, 40:").abs().sum().getFloat());
        }
    }

    @Test
    void normalizesPerChannel() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.full(new Shape(3, 1, 1), 0.5f);
            NDArray y = defaults.normalize(x);
            assertArrayEquals(
                    new float[] {(0.5f - 0.485f) / 0.229f, (0.5f - 0.456f) / 0.224f, (0.5f - 0.406f) / 0.225f},
                    y.toFloatArray(),
                    1e-6f);
        }
    }

    @Test
    void boxesMapToResizedImageAndBack() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray boxes = m.create(new float[] {10, 20, 50, 60}, new Shape(1, 4));
            NDArray r = GeneralizedRcnnTransform.resizeBoxes(boxes, new int[] {100, 200}, new int[] {50, 400});
            assertArrayEquals(new float[] {20, 10, 100, 30}, r.toFloatArray(), 1e-5f);
            NDArray back = GeneralizedRcnnTransform.resizeBoxes(r, new int[] {50, 400}, new int[] {100, 200});
            assertArrayEquals(boxes.toFloatArray(), back.toFloatArray(), 1e-5f);
        }
    }
}
