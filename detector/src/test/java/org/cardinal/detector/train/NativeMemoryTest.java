package org.cardinal.detector.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.data.RectangleScenes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Native memory stays flat over many iterations: every iteration frees what it allocated. */
class NativeMemoryTest {

    @TempDir
    Path dir;

    /** Resident memory minus what the JVM has committed for its own heaps: native allocations. */
    static long nativeKb() throws IOException {
        System.gc();
        var mx = java.lang.management.ManagementFactory.getMemoryMXBean();
        long jvm = mx.getHeapMemoryUsage().getCommitted()
                + mx.getNonHeapMemoryUsage().getCommitted();
        return rssKb() - jvm / 1024;
    }

    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    @Test
    void arrayCountsAndNativeMemoryDoNotGrowOverHundredsOfIterations() throws IOException {
        RectangleScenes.write(
                dir.resolve("train"),
                dir.resolve("train.json"),
                RectangleScenes.twoClassScenes(4, 16),
                Map.of(1, "red", 2, "blue"));
        JsonObject solver = JsonParser.parseString("{\"ims_per_batch\": 2, \"base_lr\": 0.01,"
                        + " \"max_iter\": 200, \"warmup_iters\": 10, \"checkpoint_period\": 1000000,"
                        + " \"log_period\": 100, \"device\": \"cpu\", \"clip_grad_norm\": 10}")
                .getAsJsonObject();
        JsonObject data = JsonParser.parseString("{\"train_images\": \"train\","
                        + " \"train_annotations\": \"train.json\", \"val_images\": \"none\","
                        + " \"val_annotations\": \"none.json\", \"num_workers\": 1}")
                .getAsJsonObject();
        RunConfig cfg = new RunConfig(
                        "mem",
                        DetectorConfig.defaults().withNumClasses(3),
                        SolverConfig.fromJson(solver, ConfigPath.root("test")),
                        DataConfig.fromJson(data, ConfigPath.root("test")))
                .withDataRoot(dir);
        Map<Integer, Integer> arrays = new HashMap<>();
        Map<Integer, Long> rss = new HashMap<>();
        try (NDManager probe = NDManager.newBaseManager();
                NDManager m = NDManager.newBaseManager()) {
            NDManager system = probe.getParentManager();
            Engine.getInstance().setRandomSeed(1);
            TinyDetector d = new TinyDetector(m, 2);
            new DetectorTrainer(cfg, dir.resolve("run"), d)
                    .addListener(new TrainingListener() {
                        @Override
                        public void onIteration(IterationMetrics it) {
                            if (it.iteration() % 50 == 0) {
                                arrays.put(
                                        it.iteration(),
                                        system.getManagedArrays().size());
                                try {
                                    rss.put(it.iteration(), nativeKb());
                                } catch (IOException e) {
                                    throw new RuntimeException(e);
                                }
                            }
                        }
                    })
                    .train(false);
        }
        // prefetched batches in flight vary by at most the prefetch depth; the rest is exact
        int at100 = arrays.get(100);
        for (int it = 150; it <= 200; it += 50) {
            assertTrue(
                    Math.abs(arrays.get(it) - at100) <= 3 * 4 * 3,
                    "managed arrays at " + it + ": " + arrays.get(it) + " vs " + at100 + " at 100");
        }
        // coarse guard: the allocator and the JIT grow in steps of tens of MB now and then; a
        // per-iteration leak of activations would be linear. The array count above is exact.
        long growthKb = rss.get(200) - rss.get(100);
        System.out.println("native kB (RSS - JVM committed) by iteration: " + rss + ", managed arrays: " + arrays);
        assertTrue(growthKb < 64_000, "native memory grew by " + growthKb + " kB from iteration 100 to 200: " + rss);
        assertEquals(4, arrays.size());
    }
}
