package org.cardinal.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.LibUtils;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Under {@code mvn -Plibtorch} (CARDINAL_LIBTORCH=DIR, a folder made by tools/native/build-jni), the
 * subset's other tests really run on DIR's libtorch: DJL reports its version, loads libtorch from the
 * folder DIR records and the JNI library from DIR, and that library computes. Skipped otherwise.
 */
class LibtorchFolderTest {

    @Test
    void djlRunsOnTheFolderLibtorch() throws IOException {
        String dir = System.getProperty("CARDINAL_LIBTORCH");
        Assumptions.assumeTrue(dir != null, "only under mvn -Plibtorch");
        assertFalse(dir.isEmpty() || dir.startsWith("${"), "-Plibtorch needs CARDINAL_LIBTORCH=DIR in the environment");
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of(dir, "libtorch.properties"))) {
            props.load(in);
        }
        Engine engine = Engine.getEngine("PyTorch");
        assertEquals(props.getProperty("libtorch.version"), engine.getVersion());
        assertEquals(
                Path.of(props.getProperty("PYTORCH_LIBRARY_PATH")).toRealPath(),
                Path.of(LibUtils.getLibtorchPath()).toRealPath());
        Path jni = Path.of(dir, props.getProperty("jni")).toRealPath();
        List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
        assertTrue(maps.stream().anyMatch(l -> l.endsWith(" " + jni)), "the JNI library mapped is not " + jni);
        try (NDManager manager = engine.newBaseManager()) {
            NDArray a = manager.arange(12f).reshape(3, 4);
            // 0..11 as 3x4 times its transpose: the first row's squared norm is 0+1+4+9 = 14.
            assertEquals(14f, a.matMul(a.transpose()).getFloat(0, 0));
        }
    }
}
