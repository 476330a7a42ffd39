package org.cardinal.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** The driver's malloc settings reach the executors, unless the job's configuration sets them. */
class SparkDetectExecutorEnvTest {

    @Test
    void mallocSettingsGoToTheExecutorsUnlessTheJobSetsThem() {
        SparkConf conf = new SparkConf(false).set("spark.executorEnv.MALLOC_TOP_PAD_", "0");
        Map<String, String> env = Map.of(
                "MALLOC_MMAP_THRESHOLD_", "1073741824",
                "MALLOC_TOP_PAD_", "268435456",
                "PYTORCH_LIBRARY_PATH", "/opt/torch/lib");
        assertEquals(
                Map.of("spark.executorEnv.MALLOC_MMAP_THRESHOLD_", "1073741824"), SparkDetect.executorEnv(conf, env));
        assertEquals(Map.of(), SparkDetect.executorEnv(new SparkConf(false), Map.of("HOME", "/root")));
    }
}
