package org.cardinal.tools;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak memory of one benchmark measurement, measured the same way as the peer script does: on the
 * CPU the process's peak resident set (Linux {@code VmHWM}, reset through {@code
 * /proc/self/clear_refs} when the measurement starts); on GPUs the device memory in use as the
 * driver reports it (the caching allocator's reserve and the CUDA context included), the largest
 * value seen after an iteration, summed over the devices.
 */
final class PeakMemory {

    private static final Path STATUS = Path.of("/proc/self/status");
    private final Device[] devices;
    private final long[] peakGpu;

    PeakMemory(Device[] devices) {
        this.devices = devices.clone();
        this.peakGpu = new long[devices.length];
        if (!devices[0].isGpu()) {
            try {
                Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            } catch (IOException | UnsupportedOperationException e) {
                // not Linux, or not allowed: the peak then covers the whole process so far
            }
        }
    }

    /** Records the devices' memory in use now (GPU); the CPU peak is kept by the kernel. */
    void sample() {
        for (int d = 0; d < devices.length; d++) {
            if (devices[d].isGpu()) {
                peakGpu[d] =
                        Math.max(peakGpu[d], CudaUtils.getGpuMemory(devices[d]).getUsed());
            }
        }
    }

    /** Adds {@code peak_rss_mib} or {@code peak_gpu_mib} to a result. */
    void report(JsonObject result) {
        if (devices[0].isGpu()) {
            long sum = 0;
            for (int d = 0; d < devices.length; d++) {
                if (d == 0 || !devices[d].equals(devices[d - 1])) {
                    sum += peakGpu[d];
                }
            }
            result.addProperty("peak_gpu_mib", sum / (1024.0 * 1024.0));
            return;
        }
        long kib = residentKib()[1];
        if (kib > 0) {
            result.addProperty("peak_rss_mib", kib / 1024.0);
        }
    }

    /** {VmRSS, VmHWM} of this process in KiB (zeros where /proc is not there): also {@link StageMemory}'s. */
    static long[] residentKib() {
        long[] v = new long[2];
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    v[0] = Long.parseLong(line.replaceAll("[^0-9]", ""));
                } else if (line.startsWith("VmHWM:")) {
                    v[1] = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: no figures
        }
        return v;
    }
}
