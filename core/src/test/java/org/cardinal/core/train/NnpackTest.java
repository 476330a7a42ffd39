package org.cardinal.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each case in a process of its own ({@link NnpackProbe}), as the setting is the process's and
 * libtorch's warnings go to the process's stderr.
 */
class NnpackTest {

    private static final String WARNING = "Could not initialize NNPACK";

    @TempDir
    Path dir;

    /** A probe's stdout and the NNPACK warnings on its stderr. */
    private record Run(String stdout, long warnings) {}

    private Run probe(String mode) throws IOException, InterruptedException {
        Path out = dir.resolve(mode + ".out");
        Path err = dir.resolve(mode + ".err");
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "-Dai.djl.offline=true",
                        NnpackProbe.class.getName(),
                        mode)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the probe did not end");
        assertEquals(0, p.exitValue(), Files.readString(err));
        List<String> lines = Files.readAllLines(err, StandardCharsets.UTF_8);
        return new Run(
                Files.readString(out).strip(),
                lines.stream().filter(l -> l.contains(WARNING)).count());
    }

    @Test
    void whereNnpackCannotRunNoConvolutionWarnsAboutIt() throws Exception {
        Run off = probe("off");
        Run asIs = probe("as-is");
        assertEquals("turned off: false", asIs.stdout());
        if (off.stdout().equals("turned off: true")) {
            // this processor: without the setting every convolution warns; with it, nothing does
            assertEquals(0, off.warnings(), "warnings with NNPACK turned off");
            assertTrue(asIs.warnings() >= NnpackProbe.CONVOLUTIONS, "warnings as libtorch is: " + asIs.warnings());
        } else {
            assertEquals("turned off: false", off.stdout());
            assertEquals(0, off.warnings(), "NNPACK works here and stays on");
            assertEquals(0, asIs.warnings());
        }
    }
}
