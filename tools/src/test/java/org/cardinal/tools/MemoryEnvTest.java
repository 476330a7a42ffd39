package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The malloc settings tools/lib/memory-env gives a tool by the main class its launcher runs: the
 * pretraining tools get a 16 MB mmap threshold and transparent huge pages, every other tool the 1 GB
 * thresholds; a value the caller exported wins in both, and a caller's other glibc tunables are
 * kept.
 */
class MemoryEnvTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    /** Sources memory-env as the launcher does for {@code main}, in {@code env} and nothing else of malloc's. */
    private static String settings(String main, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(
                "bash",
                "-c",
                "cardinal_main=\"$2\"; . \"$1\"; echo \"$MALLOC_ARENA_MAX $MALLOC_MMAP_THRESHOLD_"
                        + " $MALLOC_TRIM_THRESHOLD_ $MALLOC_TOP_PAD_ ${GLIBC_TUNABLES:-none}\"",
                "-",
                ROOT.resolve("tools/lib/memory-env").toString(),
                main);
        pb.environment().keySet().removeIf(k -> k.startsWith("MALLOC_") || k.equals("GLIBC_TUNABLES"));
        pb.environment().put("CARDINAL_MALLOC", "glibc"); // these are glibc's settings
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.strip();
    }

    @Test
    void pretrainingToolsMapLargeBuffersOnHugePages() throws Exception {
        String hugePages = "1 16777216 67108864 0 glibc.malloc.hugetlb=1";
        assertEquals(hugePages, settings("org.cardinal.tools.PretrainBackbone", Map.of()));
        assertEquals(hugePages, settings("org.cardinal.tools.PretrainBenchmark", Map.of()));
    }

    @Test
    void otherToolsKeepTheLargeThresholds() throws Exception {
        assertEquals("1 1073741824 1073741824 268435456 none", settings("org.cardinal.tools.TrainDetector", Map.of()));
        assertEquals("1 1073741824 1073741824 268435456 none", settings("", Map.of()));
    }

    @Test
    void whatTheCallerExportedWins() throws Exception {
        assertEquals(
                "1 1073741824 67108864 0 glibc.malloc.hugetlb=0",
                settings(
                        "org.cardinal.tools.PretrainBackbone",
                        Map.of("MALLOC_MMAP_THRESHOLD_", "1073741824", "GLIBC_TUNABLES", "glibc.malloc.hugetlb=0")));
        assertEquals(
                "1 16777216 67108864 0 glibc.malloc.tcache_count=0:glibc.malloc.hugetlb=1",
                settings(
                        "org.cardinal.tools.PretrainBenchmark",
                        Map.of("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0")));
    }
}
