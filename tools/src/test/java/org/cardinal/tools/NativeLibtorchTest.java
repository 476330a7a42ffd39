package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pure logic of running on an installed libtorch, on fake folders (no compiler, no PyTorch):
 * what tools/native/build-jni detects about a torch folder, and how tools/lib/native-env takes a
 * CARDINAL_LIBTORCH folder: its settings exported, and a folder built for another libtorch, or
 * missing a field, refused with one line naming the file and the field.
 */
class NativeLibtorchTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    private record Result(int code, String out, String err) {}

    private static Result run(List<String> cmd, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("CARDINAL_LIBTORCH");
        pb.environment().remove("PYTORCH_LIBRARY_PATH");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out, err);
    }

    /** Sources native-env with CARDINAL_LIBTORCH=dir and prints what DJL would be given. */
    private static Result useFolder(Path dir, Map<String, String> env) throws IOException, InterruptedException {
        Map<String, String> all = new HashMap<>(env);
        all.put("CARDINAL_LIBTORCH", dir.toString());
        return run(
                List.of(
                        "bash",
                        "-c",
                        ". \"$1\"; echo \"$PYTORCH_LIBRARY_PATH|$PYTORCH_VERSION|$PYTORCH_FLAVOR|$ENGINE_CACHE_DIR\"",
                        "-",
                        ROOT.resolve("tools/lib/native-env").toString()),
                all);
    }

    /**
     * A stand-in for libc10.so that nm reads: this JVM's libstdc++ (its symbols use the C++11 ABI's
     * std::__cxx11 strings) or the JDK's libzip (a C library: no such symbols).
     */
    private static void libc10(Path lib, boolean cxx11) throws IOException {
        Path from;
        if (cxx11) {
            from = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .map(l -> l.substring(l.lastIndexOf(' ') + 1))
                    .filter(f -> f.contains("/libstdc++.so"))
                    .map(Path::of)
                    .findFirst()
                    .orElseThrow();
        } else {
            from = Path.of(System.getProperty("java.home"), "lib/libzip.so");
        }
        Files.copy(from, lib.resolve("libc10.so"));
    }

    /** A pip-style torch folder: version.py, include/ with all.h demanding {@code std}, lib/. */
    private static Path fakeTorch(Path parent, String version, String cuda, int std) throws IOException {
        Path torch = parent.resolve("site-packages/torch");
        Files.createDirectories(torch.resolve("include/ATen"));
        Files.createDirectories(torch.resolve("include/torch/csrc/api/include/torch"));
        Files.writeString(
                torch.resolve("include/torch/csrc/api/include/torch/all.h"),
                "#pragma once\n#if !defined(_MSC_VER) && __cplusplus < 2020L\n#error C++" + std
                        + " or later compatible compiler is required to use PyTorch.\n#endif\n");
        Files.createDirectories(torch.resolve("lib"));
        Files.writeString(torch.resolve("lib/libtorch.so"), "");
        libc10(torch.resolve("lib"), true);
        Files.writeString(
                torch.resolve("version.py"),
                "__version__ = '" + version + "'\ndebug = False\ncuda: Optional[str] = "
                        + (cuda == null ? "None" : "'" + cuda + "'") + "\n");
        return torch;
    }

    /** A folder as build-jni writes it, for libtorch {@code version} at {@code torchLib}. */
    private static Path fakeJniFolder(Path parent, String version, String flavor, Path torchLib) throws IOException {
        Path dir = parent.resolve("jni-" + version + "-" + flavor);
        String jni = "engine-cache/pytorch/" + version + "-" + flavor + "-linux-x86_64/0.36.0-libdjl_torch.so";
        Files.createDirectories(dir.resolve(jni).getParent());
        Files.writeString(dir.resolve(jni), "");
        Files.writeString(
                dir.resolve("libtorch.properties"),
                String.join(
                        "\n",
                        "libtorch.version=" + version,
                        "libtorch.flavor=" + flavor,
                        "jni=" + jni,
                        "PYTORCH_LIBRARY_PATH=" + torchLib,
                        ""));
        return dir;
    }

    private static String oneErrorLine(Result r) {
        assertEquals(2, r.code(), r.err());
        List<String> lines =
                new ArrayList<>(r.err().lines().filter(l -> !l.isBlank()).toList());
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("error: "), r.err());
        return lines.get(0);
    }

    @Test
    void buildJniDetectsVersionFlavourStandardAndCuda(@TempDir Path tmp) throws Exception {
        Path torch = fakeTorch(tmp, "2.14.1+cu130", "13.0", 20);
        Path cudaInclude = Files.createDirectories(tmp.resolve("site-packages/nvidia/cu13/include"));
        Files.writeString(cudaInclude.resolve("cuda_runtime_api.h"), "");
        String script = ROOT.resolve("tools/native/build-jni").toString();
        Result cpu = run(List.of(script, "--torch", torch.toString(), "--detect-only"), Map.of());
        assertEquals(0, cpu.code(), cpu.err());
        assertTrue(cpu.out().contains("libtorch:      2.14.1+cu130 at " + torch.toRealPath()), cpu.out());
        assertTrue(cpu.out().contains("flavour:       cpu\n"), cpu.out());
        assertTrue(cpu.out().contains("C++ standard:  20\n"), cpu.out());
        assertTrue(cpu.out().contains("C++ ABI flag:  _GLIBCXX_USE_CXX11_ABI=1\n"), cpu.out());
        assertTrue(cpu.out().contains("CUDA:          13.0; headers: " + cudaInclude.toRealPath()), cpu.out());

        // --cuda needs libtorch_cuda.so; with it, the flavour is DJL's name for CUDA 13.0.
        String refused =
                oneErrorLine(run(List.of(script, "--torch", torch.toString(), "--cuda", "--detect-only"), Map.of()));
        assertTrue(refused.contains("libtorch_cuda.so"), refused);
        Files.writeString(torch.resolve("lib/libtorch_cuda.so"), "");
        Result cuda = run(List.of(script, "--torch", torch.toString(), "--cuda", "--detect-only"), Map.of());
        assertEquals(0, cuda.code(), cuda.err());
        assertTrue(cuda.out().contains("flavour:       cu130\n"), cuda.out());
    }

    @Test
    void buildJniReadsALibtorchFolderAndRefusesBadInput(@TempDir Path tmp) throws Exception {
        // A libtorch zip's layout: build-version instead of version.py, headers naming C++17.
        Path libtorch = tmp.resolve("libtorch");
        Files.createDirectories(libtorch.resolve("include/ATen"));
        Files.createDirectories(libtorch.resolve("lib"));
        Files.writeString(libtorch.resolve("lib/libtorch.so"), "");
        Files.writeString(libtorch.resolve("build-version"), "2.7.1+cu128\n");
        libc10(libtorch.resolve("lib"), false);
        String script = ROOT.resolve("tools/native/build-jni").toString();
        Result r = run(List.of(script, "--torch", libtorch.toString(), "--detect-only"), Map.of());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("2.7.1+cu128"), r.out());
        assertTrue(r.out().contains("C++ standard:  17\n"), r.out());
        assertTrue(r.out().contains("C++ ABI flag:  _GLIBCXX_USE_CXX11_ABI=0\n"), r.out());
        assertTrue(r.out().contains("CUDA:          12.8;"), r.out());

        assertTrue(oneErrorLine(run(List.of(script, "--detect-only"), Map.of())).contains("--torch"));
        String noLib = oneErrorLine(run(List.of(script, "--torch", tmp.toString(), "--detect-only"), Map.of()));
        assertTrue(noLib.contains("libtorch.so") && noLib.contains(tmp.toString()), noLib);
        String version =
                oneErrorLine(run(List.of(script, "--torch", libtorch.toString(), "--djl-version", "0.30.0"), Map.of()));
        assertTrue(version.contains("--djl-version 0.30.0"), version);
    }

    @Test
    void launchersTakeAFolderBuiltForTheLibtorchFound(@TempDir Path tmp) throws Exception {
        Path torch = fakeTorch(tmp, "2.14.1+cpu", null, 20);
        Path dir = fakeJniFolder(tmp, "2.14.1", "cpu", torch.resolve("lib"));
        Result r = useFolder(dir, Map.of());
        assertEquals(0, r.code(), r.err());
        assertEquals(torch.resolve("lib") + "|2.14.1|cpu|" + dir.toRealPath().resolve("engine-cache") + "\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void aFolderBuiltForAnotherLibtorchIsRefused(@TempDir Path tmp) throws Exception {
        Path torch = fakeTorch(tmp, "2.7.1+cpu", null, 17);
        Path dir = fakeJniFolder(tmp, "2.14.1", "cpu", torch.resolve("lib"));
        String line = oneErrorLine(useFolder(dir, Map.of()));
        assertTrue(line.contains(dir.resolve("libtorch.properties").toString()), line);
        assertTrue(line.contains("libtorch.version") && line.contains("2.14.1") && line.contains("2.7.1+cpu"), line);

        // PYTORCH_LIBRARY_PATH (PyTorch elsewhere on another machine) is checked the same way.
        Path other = fakeTorch(tmp.resolve("other"), "2.14.1+cpu", null, 20);
        Result moved = useFolder(
                dir, Map.of("PYTORCH_LIBRARY_PATH", other.resolve("lib").toString()));
        assertEquals(0, moved.code(), moved.err());
        assertTrue(moved.out().startsWith(other.resolve("lib") + "|2.14.1|cpu|"), moved.out());
    }

    @Test
    void aCudaFolderNeedsACudaLibtorch(@TempDir Path tmp) throws Exception {
        Path torch = fakeTorch(tmp, "2.14.1+cpu", null, 20);
        Path dir = fakeJniFolder(tmp, "2.14.1", "cu130", torch.resolve("lib"));
        String line = oneErrorLine(useFolder(dir, Map.of()));
        assertTrue(line.contains("libtorch.flavor") && line.contains("cu130"), line);
    }

    @Test
    void aCudaFolderRunsOnTheCpuWithANoticeWithoutADriver(@TempDir Path tmp) throws Exception {
        Result ldconfig = run(List.of("bash", "-c", "ldconfig -p 2>/dev/null || /sbin/ldconfig -p"), Map.of());
        Assumptions.assumeFalse(ldconfig.out().contains("libcuda.so.1 "), "this machine has a CUDA driver");
        Path torch = fakeTorch(tmp, "2.14.1+cu130", "13.0", 20);
        Files.writeString(torch.resolve("lib/libtorch_cuda.so"), "");
        Path dir = fakeJniFolder(tmp, "2.14.1", "cu130", torch.resolve("lib"));
        Result r = useFolder(dir, Map.of());
        assertEquals(0, r.code(), r.err());
        assertEquals(
                "notice: no CUDA driver (libcuda.so.1) on this machine: libtorch 2.14.1+cu130 (cu130) runs on the CPU\n",
                r.err());
        assertTrue(r.out().startsWith(torch.resolve("lib") + "|2.14.1|cpu|"), r.out());
    }

    @Test
    void anIncompleteFolderIsRefusedNamingTheField(@TempDir Path tmp) throws Exception {
        String noProps = oneErrorLine(useFolder(tmp, Map.of()));
        assertTrue(noProps.contains("CARDINAL_LIBTORCH=" + tmp) && noProps.contains("libtorch.properties"), noProps);
        Path torch = fakeTorch(tmp, "2.14.1+cpu", null, 20);
        Path dir = fakeJniFolder(tmp, "2.14.1", "cpu", torch.resolve("lib"));
        Path props = dir.resolve("libtorch.properties");
        Files.writeString(props, Files.readString(props).replaceAll("(?m)^jni=.*\n", ""));
        String noJni = oneErrorLine(useFolder(dir, Map.of()));
        assertTrue(noJni.contains(props.toString()) && noJni.contains("jni is missing"), noJni);
    }
}
