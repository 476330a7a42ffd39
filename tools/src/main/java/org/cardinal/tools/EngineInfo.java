package org.cardinal.tools;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Utils;
import ai.djl.util.cuda.CudaUtils;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.cli.ToolOptions;
import org.cardinal.core.train.NativeHeap;
import picocli.CommandLine.Command;

/**
 * {@code tools/engine-info}: says which libtorch Cardinal runs on (version, folder, flavour, the JNI
 * library and CUDA runtime this process loaded, the GPUs it sees) and the memory settings its
 * launcher gave the process (the JVM's largest heap and collector, glibc's malloc settings), and
 * proves that it computes on each device, so a user can check an install, a CARDINAL_LIBTORCH
 * folder or a bundle on a GPU node before a long run.
 */
public final class EngineInfo {

    /** The options of {@code tools/engine-info}: none but --help. */
    @Command(
            name = "tools/engine-info",
            description = {
                "Prints the DJL and libtorch versions, the libtorch folder and flavour, the JNI library and CUDA"
                        + " runtime loaded, the GPUs seen, the JVM's heap limit and collector and glibc's malloc"
                        + " settings, and runs a small matrix product on every device; exits with 1 when one"
                        + " computes a wrong result."
            })
    static final class Options extends ToolOptions {}

    private EngineInfo() {}

    /**
     * The files of the native libraries whose names start with {@code prefix} that this process has
     * mapped (Linux's /proc/self/maps), comma-separated, or "none loaded".
     */
    static String loaded(String prefix) {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return "unknown (no /proc/self/maps)";
        }
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.map(l -> l.substring(l.lastIndexOf(' ') + 1))
                    .filter(f -> f.startsWith("/")
                            && Path.of(f)
                                    .getFileName()
                                    .toString()
                                    .matches("(\\d+\\.\\d+\\.\\d+-)?" + prefix + "[.-].*"))
                    .distinct()
                    .reduce((a, b) -> a + ", " + b)
                    .orElse("none loaded");
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /**
     * The JVM's memory settings as the launcher left them: the largest heap it may take (its
     * MaxHeapSize, what {@code -Xmx} sets) and the collector, e.g. "heap at most 2048 MiB, SerialGC".
     */
    static String jvmMemory() {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        long max = Long.parseLong(vm.getVMOption("MaxHeapSize").getValue());
        String gc = "unknown collector";
        for (String name : List.of("UseSerialGC", "UseParallelGC", "UseG1GC", "UseZGC", "UseShenandoahGC")) {
            try {
                if (Boolean.parseBoolean(vm.getVMOption(name).getValue())) {
                    gc = name.substring(3);
                }
            } catch (IllegalArgumentException e) {
                // a collector this JVM is built without
            }
        }
        return "heap at most " + (max >> 20) + " MiB, " + gc;
    }

    /**
     * The C allocator and its settings in this process's environment: tcmalloc with the library
     * preloaded and its TCMALLOC_* settings, or glibc with its MALLOC_* settings ("glibc defaults"
     * without any).
     */
    static String mallocSettings() {
        String allocator = NativeHeap.allocator();
        String prefix = allocator.equals("tcmalloc") ? "TCMALLOC_" : "MALLOC_";
        Map<String, String> set = new TreeMap<>();
        System.getenv().forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                set.put(k, v);
            }
        });
        StringBuilder out = new StringBuilder(allocator);
        if (allocator.equals("tcmalloc")) {
            out.append(" (LD_PRELOAD=")
                    .append(System.getenv().getOrDefault("LD_PRELOAD", ""))
                    .append(')');
        }
        set.forEach((k, v) -> out.append(' ').append(k).append('=').append(v));
        return set.isEmpty() && allocator.equals("glibc") ? "glibc defaults" : out.toString();
    }

    /**
     * The libtorch flavour DJL chose: for a libtorch of PYTORCH_LIBRARY_PATH, the PYTORCH_FLAVOR
     * setting when there is one (DJL takes it as it is), else the one in the name of the folder its
     * JNI library came from ({@code <version>[-<build date>]-<flavour>-<platform>}).
     */
    static String flavour(String jni, String version) {
        String setting = Utils.getEnvOrSystemProperty("PYTORCH_FLAVOR");
        if (Utils.getEnvOrSystemProperty("PYTORCH_LIBRARY_PATH") != null && setting != null && !setting.isEmpty()) {
            return setting;
        }
        if (jni.startsWith("/")) {
            Path dir = Path.of(jni).getParent();
            String name = dir == null ? "" : dir.getFileName().toString();
            if (name.startsWith(version + "-") && name.lastIndexOf("-linux-") > version.length()) {
                // DJL's own folders name the build too: 2.7.1-20250812-cpu-linux-x86_64.
                return name.substring(version.length() + 1, name.lastIndexOf("-linux-"))
                        .replaceFirst("^\\d{8}-", "");
            }
        }
        return "unknown";
    }

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(new Options(), argv, args -> {
            Engine engine = Engine.getEngine("PyTorch");
            System.out.println("DJL:        " + Engine.getDjlVersion());
            System.out.println("engine:     " + engine.getEngineName() + " " + engine.getVersion());
            System.out.println("libtorch:   " + LibUtils.getLibtorchPath());
            String jni = loaded("libdjl_torch");
            System.out.println("flavour:    " + flavour(jni, engine.getVersion()));
            System.out.println("JNI:        " + jni);
            String libtorchFolder = Utils.getEnvOrSystemProperty("CARDINAL_LIBTORCH");
            if (libtorchFolder != null && !libtorchFolder.isEmpty()) {
                System.out.println("CARDINAL_LIBTORCH: " + libtorchFolder);
            }
            int gpus = engine.getGpuCount();
            System.out.println("CUDA GPUs:  " + gpus
                    + (CudaUtils.hasCuda() ? " (CUDA " + CudaUtils.getCudaVersionString() + ")" : ""));
            System.out.println("CUDA runtime: " + loaded("libcudart"));
            System.out.println("JVM:        " + jvmMemory());
            System.out.println("malloc:     " + mallocSettings());
            List<Device> devices = new ArrayList<>(List.of(Device.cpu()));
            for (int i = 0; i < engine.getGpuCount(); i++) {
                devices.add(Device.gpu(i));
            }
            List<Device> wrong = new ArrayList<>();
            for (Device device : devices) {
                try (NDManager manager = engine.newBaseManager(device)) {
                    NDArray a = manager.arange(12f).reshape(new Shape(3, 4));
                    // 0..11 as 3x4 times its transpose: the first row's squared norm is 0+1+4+9 = 14.
                    float check = a.matMul(a.transpose()).getFloat(0, 0);
                    System.out.printf("%-11s %s%n", device + ":", check == 14f ? "ok" : "WRONG RESULT " + check);
                    if (check != 14f) {
                        wrong.add(device);
                    }
                }
            }
            if (!wrong.isEmpty()) {
                throw new Cli.Exit(1, "libtorch computes a wrong matrix product on " + wrong + ": do not train on it");
            }
        });
    }
}
