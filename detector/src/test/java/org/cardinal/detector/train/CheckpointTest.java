package org.cardinal.detector.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    @TempDir
    Path dir;

    private static Checkpoint.State state(int iteration) {
        return new Checkpoint.State(iteration, 0.01, 42, RunConfig.defaults().toJson());
    }

    @Test
    void roundTripsParametersIntoTheExistingArrays() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1);
            TinyDetector a = new TinyDetector(m, 2);
            Engine.getInstance().setRandomSeed(2);
            TinyDetector b = new TinyDetector(m, 2);
            Path ckpt = Checkpoint.save(dir, state(5), a.block(), Map.of());
            assertEquals(dir.resolve("iter_0000005"), ckpt);
            Pair<String, Parameter> first = b.block().getParameters().get(0);
            NDArray live = first.getValue().getArray();
            Checkpoint.loadParameters(b.block(), ckpt);
            assertTrue(live == first.getValue().getArray(), "arrays are updated in place");
            for (int i = 0; i < a.block().getParameters().size(); i++) {
                assertArrayEquals(
                        a.block().getParameters().get(i).getValue().getArray().toFloatArray(),
                        b.block().getParameters().get(i).getValue().getArray().toFloatArray(),
                        0f);
            }
            Checkpoint.State s = Checkpoint.readState(ckpt);
            assertEquals(5, s.iteration());
            assertEquals(42, s.seed());
        }
    }

    @Test
    void latestIgnoresUnfinishedFoldersAndFallsBackWithoutLast() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyDetector a = new TinyDetector(m, 2);
            Checkpoint.save(dir, state(10), a.block(), Map.of());
            Checkpoint.save(dir, state(20), a.block(), Map.of());
            assertEquals(dir.resolve("iter_0000020"), Checkpoint.latest(dir).orElseThrow());
            // a crash while writing iteration 30 leaves only a temporary folder behind
            Files.createDirectories(dir.resolve(".iter_0000030.tmp123"));
            Files.createDirectories(dir.resolve("iter_0000040")); // no state.json: incomplete
            assertEquals(dir.resolve("iter_0000020"), Checkpoint.latest(dir).orElseThrow());
            Files.delete(dir.resolve(Checkpoint.LAST));
            assertEquals(dir.resolve("iter_0000020"), Checkpoint.latest(dir).orElseThrow());
            assertTrue(Checkpoint.latest(dir.resolve("none")).isEmpty());
        }
    }

    @Test
    void aCheckpointOfAnotherModelIsRefusedNamingTheParameter() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Path ckpt = Checkpoint.save(dir, state(1), new TinyDetector(m, 2).block(), Map.of());
            TinyDetector other = new TinyDetector(m, 4); // wider head
            IOException e = assertThrows(IOException.class, () -> Checkpoint.loadParameters(other.block(), ckpt));
            assertTrue(
                    e.getMessage().contains("model.ndlist")
                            && e.getMessage().contains("Linear")
                            && e.getMessage().contains("shape"),
                    e.getMessage());
            Files.writeString(ckpt.resolve("model.ndlist"), "garbage");
            IOException e2 = assertThrows(IOException.class, () -> Checkpoint.loadParameters(other.block(), ckpt));
            assertTrue(e2.getMessage().contains("model.ndlist"), e2.getMessage());
        }
    }
}
