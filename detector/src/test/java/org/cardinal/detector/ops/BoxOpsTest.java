package org.cardinal.detector.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

class BoxOpsTest {

    @Test
    void matchesTorchvisionBoxIouClipAndRemoveSmall() {
        JsonObject fx = TorchvisionFixture.load("nms.json");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray b1 = TorchvisionFixture.floatArray(manager, fx.get("b1"));
            NDArray b2 = TorchvisionFixture.floatArray(manager, fx.get("b2"));
            NDArray iou = BoxOps.boxIou(b1, b2);
            assertEquals(new Shape(13, 9), iou.getShape());
            double err = TorchvisionFixture.maxAbsDiff(
                    TorchvisionFixture.floats(fx.getAsJsonObject("iou")), iou.toFloatArray());
            assertTrue(err < 1e-6, "box_iou max error " + err);

            NDArray in = TorchvisionFixture.floatArray(manager, fx.get("clip_in"));
            assertArrayEquals(
                    TorchvisionFixture.floats(fx.getAsJsonObject("clipped")),
                    BoxOps.clipBoxesToImage(in, 37, 45).toFloatArray(),
                    0f);
            NDArray keep = BoxOps.removeSmallBoxes(in, 12.0);
            assertEquals(DataType.INT64, keep.getDataType());
            assertArrayEquals(TorchvisionFixture.longs(fx.getAsJsonObject("small_keep")), keep.toLongArray());
        }
    }

    @Test
    void iouAndAreaByHand() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.create(new float[] {0, 0, 2, 2, 10, 10, 11, 12}, new Shape(2, 4));
            NDArray b = manager.create(new float[] {1, 1, 3, 3, 0, 0, 2, 2}, new Shape(2, 4));
            assertArrayEquals(new float[] {4, 2}, BoxOps.boxArea(a).toFloatArray(), 0f);
            // [0,0,2,2] vs [1,1,3,3]: intersection 1, union 7.
            assertArrayEquals(
                    new float[] {1f / 7, 1f, 0f, 0f}, BoxOps.boxIou(a, b).toFloatArray(), 1e-7f);
        }
    }

    @Test
    void clipKeepsLeadingShape() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray boxes = manager.create(
                    new float[] {-5, -5, 50, 50, 3, 4, 5, 6, 30, 1, 41, 25, -1, 2, 3, 99}, new Shape(2, 2, 4));
            NDArray c = BoxOps.clipBoxesToImage(boxes, 20, 40);
            assertEquals(new Shape(2, 2, 4), c.getShape());
            assertArrayEquals(new float[] {0, 0, 40, 20, 3, 4, 5, 6, 30, 1, 40, 20, 0, 2, 3, 20}, c.toFloatArray(), 0f);
        }
    }

    @Test
    void emptyInputsGiveEmptyOutputs() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray none = manager.zeros(new Shape(0, 4));
            NDArray two = manager.ones(new Shape(2, 4)).mul(manager.create(new float[] {0, 0, 1, 1}));
            assertEquals(new Shape(0, 2), BoxOps.boxIou(none, two).getShape());
            assertEquals(new Shape(2, 0), BoxOps.boxIou(two, none).getShape());
            assertEquals(new Shape(0), BoxOps.removeSmallBoxes(none, 1).getShape());
            assertEquals(new Shape(0, 4), BoxOps.clipBoxesToImage(none, 5, 5).getShape());
        }
    }

    @Test
    void rejectsWrongShapes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray bad = manager.zeros(new Shape(3, 5));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BoxOps.boxArea(bad));
            assertTrue(e.getMessage().contains("(N, 4)"), e.getMessage());
        }
    }
}
