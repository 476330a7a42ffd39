package org.cardinal.core.train;

import ai.djl.engine.Engine;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

/**
 * NNPACK, one of libtorch's CPU convolution back ends. On a processor NNPACK does not support (AMD
 * Zen 5, for one), libtorch 2.7.1 asks for it at every convolution that oneDNN does not take
 * (small maps at batch 1, as in detection) and each time writes {@code Could not initialize
 * NNPACK! Reason: Unsupported hardware.} to stderr: thousands of lines a minute of inference.
 *
 * <p>{@link #offWhereUnsupported()} asks libtorch once whether NNPACK works here and, where it does
 * not, turns it off, as {@code torch.backends.nnpack.set_flags(False)} does in PyTorch. The
 * convolutions run on the kernels they ran on before (NNPACK never ran on such a processor) and
 * the check itself runs with libtorch's C++ log at errors only, so nothing is printed. Where
 * NNPACK works, or libtorch lacks these functions, nothing changes.
 */
public final class Nnpack {

    private static final String LIBTORCH = "libtorch_cpu.so";
    private static final String C10 = "libc10.so";
    /** c10's minimum severity logged: 0 info, 1 warning, 2 error. */
    private static final String LOG_LEVEL = "FLAGS_caffe2_log_level";

    private static final int LOG_ERROR = 2;
    private static boolean done;

    private Nnpack() {}

    /**
     * Loads the PyTorch engine (where it is DJL's) and turns NNPACK off where it cannot run; once
     * per process, later calls return at once.
     *
     * @return whether NNPACK was turned off
     */
    public static synchronized boolean offWhereUnsupported() {
        if (done) {
            return false;
        }
        done = true;
        try {
            Engine.getEngine("PyTorch");
        } catch (RuntimeException e) {
            return false; // not the PyTorch engine: nothing of libtorch's to set
        }
        Optional<Path> path = loaded(LIBTORCH);
        if (path.isEmpty()) {
            return false;
        }
        NativeLibrary torch;
        try {
            torch = NativeLibrary.getInstance(path.get().toString());
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
        Function available = function(torch, "_ZN2at4_ops17_nnpack_available4callEv");
        Function context = function(torch, "_ZN2at13globalContextEv");
        Function enable = function(torch, "_ZN2at7Context20setUserEnabledNNPACKEb");
        if (available == null || context == null || enable == null) {
            return false;
        }
        if (quietly(() -> available.invokeInt(new Object[0])) != 0) {
            return false;
        }
        Pointer ctx = (Pointer) context.invoke(Pointer.class, new Object[0]);
        enable.invokeVoid(new Object[] {ctx, false});
        return true;
    }

    /**
     * Asks libtorch whether NNPACK works with its C++ log at errors only, as the check warns where
     * it does not: that is what this class is about, not news to the user.
     *
     * @return the C++ bool returned (the low byte of the return register)
     */
    private static int quietly(IntSupplier check) {
        Pointer level = loaded(C10)
                .map(path -> {
                    try {
                        return NativeLibrary.getInstance(path.toString()).getGlobalVariableAddress(LOG_LEVEL);
                    } catch (UnsatisfiedLinkError e) {
                        return null; // another libtorch: the check warns once
                    }
                })
                .orElse(null);
        int before = level == null ? 0 : level.getInt(0);
        if (level != null) {
            level.setInt(0, Math.max(before, LOG_ERROR));
        }
        try {
            return check.getAsInt() & 0xFF;
        } finally {
            if (level != null) {
                level.setInt(0, before);
            }
        }
    }

    /** The file of a shared library this process has loaded, from {@code /proc/self/maps}. */
    private static Optional<Path> loaded(String name) {
        try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
            return maps.map(line -> line.substring(line.lastIndexOf(' ') + 1))
                    .filter(file -> file.endsWith("/" + name))
                    .findFirst()
                    .map(Path::of);
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // not Linux
        }
    }

    private static Function function(NativeLibrary library, String symbol) {
        try {
            return library.getFunction(symbol);
        } catch (UnsatisfiedLinkError e) {
            return null; // another libtorch
        }
    }
}
