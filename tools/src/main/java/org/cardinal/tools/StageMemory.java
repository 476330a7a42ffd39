package org.cardinal.tools;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.SparseFormat;
import com.google.gson.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import org.cardinal.core.train.NativeHeap;
import org.cardinal.detector.StageListener;

/**
 * Where a benchmark's memory is at the end of each stage of the production path: the process's
 * resident set now and its peak so far (Linux {@code VmRSS}, {@code VmHWM}), the JVM heap in use,
 * the arrays alive in the process (under the engine's system manager; count, and bytes of the dense
 * ones: a view counts at its own size, a sparse array at none), and the C allocator's memory in use
 * and free memory it keeps ({@link NativeHeap#usage()}; -1 under an allocator it cannot read).
 * Each figure is the largest seen at that stage's end over the measured iterations. The stage at
 * whose end the peak first reaches its final value is where the peak happens.
 *
 * <p>The split of the peak ({@link #report}): the JVM heap and the JVM's other memory (metaspace,
 * code cache), each as the JVM reports it committed (an upper bound of what of it is resident),
 * and the rest of the resident set: libtorch's allocations (tensors, freed memory its allocator
 * keeps) and the other native memory (thread stacks, the JVM's own structures), this difference.
 */
final class StageMemory implements StageListener {

    private static final MemoryMXBean JVM = ManagementFactory.getMemoryMXBean();
    private static final double MIB = 1024.0 * 1024.0;

    private final NDManager system;
    private final Map<String, double[]> atEnd = new LinkedHashMap<>();
    private double heapCommitted;
    private double nonHeapCommitted;

    /** Counts the arrays under the engine's system manager: every array of the process. */
    StageMemory() {
        try (NDManager probe = NDManager.newBaseManager()) {
            system = probe.getParentManager();
        }
    }

    @Override
    public void onStageStart(String stage) {}

    @Override
    public synchronized void onStageEnd(String stage) {
        long[] rss = PeakMemory.residentKib();
        long arrays = 0;
        long bytes = 0;
        for (NDArray a : system.getManagedArrays()) {
            if (!a.isReleased()) {
                arrays++;
                if (a.getSparseFormat() == SparseFormat.DENSE) { // a sparse one's size is not its shape's
                    bytes += a.getShape().size() * a.getDataType().getNumOfBytes();
                }
            }
        }
        NativeHeap.Usage c = NativeHeap.usage();
        double[] now = {
            rss[0] / 1024.0,
            rss[1] / 1024.0,
            JVM.getHeapMemoryUsage().getUsed() / MIB,
            arrays,
            bytes / MIB,
            c == null ? -1 : c.inUse() / MIB,
            c == null ? -1 : c.free() / MIB
        };
        atEnd.merge(stage, now, (a, b) -> {
            double[] m = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                m[i] = Math.max(a[i], b[i]);
            }
            return m;
        });
        heapCommitted = Math.max(heapCommitted, JVM.getHeapMemoryUsage().getCommitted() / MIB);
        nonHeapCommitted =
                Math.max(nonHeapCommitted, JVM.getNonHeapMemoryUsage().getCommitted() / MIB);
    }

    /** Forgets the stages seen so far (after a warm-up). */
    synchronized void reset() {
        atEnd.clear();
        heapCommitted = 0;
        nonHeapCommitted = 0;
    }

    /**
     * Adds {@code stages_memory} (per stage: {@code rss_mib}, {@code peak_rss_mib}, {@code
     * heap_used_mib}, {@code arrays}, {@code array_mib}) and {@code peak_split_mib} ({@code
     * jvm_heap}, {@code jvm_other}, {@code native}) to a result that has {@code peak_rss_mib}.
     */
    synchronized void report(JsonObject result) {
        JsonObject stages = new JsonObject();
        String[] keys = {
            "rss_mib", "peak_rss_mib", "heap_used_mib", "arrays", "array_mib", "malloc_in_use_mib", "malloc_free_mib"
        };
        atEnd.forEach((stage, v) -> {
            JsonObject s = new JsonObject();
            for (int i = 0; i < keys.length; i++) {
                s.addProperty(keys[i], Math.round(v[i] * 10) / 10.0);
            }
            stages.add(stage, s);
        });
        result.add("stages_memory", stages);
        if (result.has("peak_rss_mib")) {
            double peak = result.get("peak_rss_mib").getAsDouble();
            JsonObject split = new JsonObject();
            split.addProperty("jvm_heap", Math.round(heapCommitted));
            split.addProperty("jvm_other", Math.round(nonHeapCommitted));
            split.addProperty("native", Math.round(peak - heapCommitted - nonHeapCommitted));
            result.add("peak_split_mib", split);
        }
    }
}
