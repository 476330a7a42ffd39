package org.cardinal.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class InPlaceTest {

    @Test
    void copiesValuesIntoTheSameArrayCastToItsType() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray dst = m.zeros(new Shape(2, 2));
            InPlace.copy(m.create(new double[] {1, 2, 3, 4}, new Shape(2, 2)), dst);
            assertEquals(DataType.FLOAT32, dst.getDataType());
            assertArrayEquals(new float[] {1, 2, 3, 4}, dst.toFloatArray());
        }
    }

    @Test
    void writesIntoAParameterThatRequiresAGradientOnAThreadWithGradModeOn() throws Exception {
        // A thread DJL never touched has libtorch's default grad mode (on), as a Spark executor's
        // does; a plain dst[...] = src into a leaf that requires a gradient fails there.
        ExecutorService fresh = Executors.newSingleThreadExecutor();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray dst = m.zeros(new Shape(3));
            dst.setRequiresGradient(true);
            NDArray src = m.create(new float[] {5, 6, 7});
            CompletableFuture.runAsync(() -> InPlace.copy(src, dst), fresh).get();
            assertArrayEquals(new float[] {5, 6, 7}, dst.toFloatArray());
            assertEquals(true, dst.hasGradient());
        } finally {
            fresh.shutdown();
        }
    }

    @Test
    void refusesAnotherShape() {
        try (NDManager m = NDManager.newBaseManager()) {
            assertThrows(
                    IllegalArgumentException.class, () -> InPlace.copy(m.zeros(new Shape(2)), m.zeros(new Shape(3))));
        }
    }
}
