package org.cardinal.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TemporariesTest {

    @Test
    void untrackedWorkFreesWhatItMadeAndHandsItsResultToTheEnclosingScope() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray input = m.arange(6f);
            List<NDArray> made = new ArrayList<>();
            NDArray result;
            try (NDScope outer = new NDScope()) {
                outer.suppressNotUsedWarning();
                result = Temporaries.untracked(
                        () -> {
                            NDArray doubled = input.mul(2f);
                            NDArray shifted = doubled.add(1f);
                            made.add(doubled);
                            made.add(shifted);
                            return shifted.sum();
                        },
                        List::of);
                for (NDArray a : made) {
                    assertTrue(a.isReleased(), "an intermediate of the work is freed when it returns");
                }
                assertFalse(result.isReleased());
                assertEquals(36f, result.getFloat(), "2 * (0 + 1 + ... + 5) + 6");
                assertFalse(input.isReleased(), "the work's input is the caller's");
            }
            assertTrue(result.isReleased(), "the result belongs to the enclosing scope");
            assertFalse(input.isReleased());
        }
    }
}
