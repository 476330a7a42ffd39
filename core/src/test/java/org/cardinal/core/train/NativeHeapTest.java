package org.cardinal.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class NativeHeapTest {

    private static final long MIB = 1 << 20;

    /**
     * A 1.5 GiB tensor (left uninitialised: no page of it is touched) is counted in use while it
     * lives and not after it is closed.
     */
    @Test
    void aTensorIsInUseWhileItLives() {
        assumeTrue(!NativeHeap.allocator().equals("unknown"), "neither glibc nor tcmalloc");
        try (NDManager m = NDManager.newBaseManager()) {
            m.create(new Shape(1)).close(); // the engine loaded before the first count
            long before = NativeHeap.usage().inUse();
            NDArray big = m.create(new Shape(384, 1024, 1024), DataType.FLOAT32);
            long during = NativeHeap.usage().inUse();
            big.close();
            long after = NativeHeap.usage().inUse();
            assertTrue(during - before >= 1536 * MIB, (during - before) / MIB + " MiB more in use");
            assertTrue(Math.abs(after - before) < 64 * MIB, (after - before) / MIB + " MiB left in use");
        }
    }

    @Test
    void theAllocatorIsKnownOnLinuxAndCanBeTrimmed() {
        assumeTrue(System.getProperty("os.name").equals("Linux"));
        assertTrue(
                NativeHeap.allocator().equals("glibc") || NativeHeap.allocator().equals("tcmalloc"));
        NativeHeap.Usage u = NativeHeap.usage();
        assertNotNull(u);
        assertTrue(u.inUse() > 0 && u.free() >= 0, u.toString());
        assertEquals(true, NativeHeap.trim());
    }
}
