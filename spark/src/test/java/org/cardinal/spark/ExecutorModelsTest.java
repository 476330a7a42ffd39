package org.cardinal.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The models of an executor stay usable while its JVM shuts down: a task that still runs then
 * (Spark does not wait for tasks before the JVM's shutdown hooks) must not find its model freed.
 */
class ExecutorModelsTest {

    @TempDir
    Path dir;

    @Test
    void aTaskStillRunningWhileTheJvmShutsDownKeepsItsModel() throws Exception {
        Path artifact = TestFixtures.tinyArtifact(dir);
        Path data = TestFixtures.syntheticData(dir);
        TestFixtures.Run probe = TestFixtures.java(
                ShutdownProbe.class.getName(),
                List.of(
                        artifact.toString(),
                        data.resolve("val").resolve("000001.png").toString()),
                dir);
        assertEquals(0, probe.code(), probe.stdout() + probe.stderr());
        assertTrue(probe.stdout().contains("predicted during shutdown: "), probe.stdout() + probe.stderr());
    }
}
