package org.cardinal.detector;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link StageListener} that adds up the wall-clock time and the process CPU time (every
 * thread, the engine's native workers included) of every stage: what the benchmarks report. CPU
 * time shows the work done even on a busy machine; with stages running on several threads at
 * once it counts their overlap more than once.
 */
public final class StageTimes implements StageListener {

    private static final com.sun.management.OperatingSystemMXBean PROCESS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final Map<String, double[]> totals = new LinkedHashMap<>();
    private final ThreadLocal<Map<String, long[]>> open = ThreadLocal.withInitial(LinkedHashMap::new);

    @Override
    public void onStageStart(String stage) {
        open.get().put(stage, new long[] {System.nanoTime(), PROCESS.getProcessCpuTime()});
    }

    @Override
    public void onStageEnd(String stage) {
        long[] start = open.get().remove(stage);
        if (start == null) {
            return;
        }
        double wall = (System.nanoTime() - start[0]) / 1e9;
        double cpu = (PROCESS.getProcessCpuTime() - start[1]) / 1e9;
        synchronized (totals) {
            totals.merge(stage, new double[] {wall, cpu}, (a, b) -> new double[] {a[0] + b[0], a[1] + b[1]});
        }
    }

    /** @return seconds of wall-clock time per stage, summed over calls and threads */
    public Map<String, Double> wallSeconds() {
        Map<String, Double> out = new LinkedHashMap<>();
        synchronized (totals) {
            totals.forEach((k, v) -> out.put(k, v[0]));
        }
        return out;
    }

    /** @return seconds of process CPU time per stage, summed over calls */
    public Map<String, Double> cpuSeconds() {
        Map<String, Double> out = new LinkedHashMap<>();
        synchronized (totals) {
            totals.forEach((k, v) -> out.put(k, v[1]));
        }
        return out;
    }

    /** Forgets everything timed so far (after a warm-up). */
    public void reset() {
        synchronized (totals) {
            totals.clear();
        }
    }
}
