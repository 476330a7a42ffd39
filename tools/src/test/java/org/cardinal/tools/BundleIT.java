package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Builds the air-gapped bundle with {@code tools/bundle} and starts one of its launchers against
 * a libtorch folder given by PYTORCH_LIBRARY_PATH (the CPU build, unpacked from the Maven jar), with
 * an empty home folder and no Java on the PATH: it proves the bundle carries all it needs.
 */
class BundleIT {

    private static final Path TOOLS = Path.of("").toAbsolutePath();
    private static final Path TARGET = TOOLS.resolve("target");
    private static final Path BUNDLE = TARGET.resolve("bundle-it");

    @BeforeAll
    static void buildBundle() throws Exception {
        deleteTree(BUNDLE);
        Result r = exec(List.of(TOOLS.resolve("bundle").toString(), "--output", BUNDLE.toString()), Map.of());
        assertEquals(0, r.code, r.output);
    }

    @Test
    void bundleStaysUnder64MiB() throws IOException {
        long bytes;
        try (Stream<Path> files = Files.walk(BUNDLE)) {
            bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(bytes < 64L << 20, "bundle is " + (bytes >> 20) + " MiB");
    }

    @Test
    void launcherRunsOnGivenLibtorchWithoutJavaOrHome() throws Exception {
        Path libtorch = unpackCpuLibtorch();
        Path home = Files.createTempDirectory("bundle-home");
        Result r = exec(List.of(BUNDLE.resolve("bin/engine-info").toString()),
                Map.of("PYTORCH_LIBRARY_PATH", libtorch.toString(), "HOME", home.toString()));
        assertEquals(0, r.code, r.output);
        assertTrue(r.output.contains("PyTorch 2.7.1"), r.output);
        assertTrue(r.output.matches("(?s).*cpu\\(\\): +ok.*"), r.output);
        try (Stream<Path> written = Files.list(home)) {
            assertEquals(0, written.count(), "the bundle wrote into the home folder");
        }
    }

    @Test
    void launcherWithoutLibtorchSaysWhatIsMissing() throws Exception {
        Result r = exec(List.of(BUNDLE.resolve("bin/engine-info").toString()), Map.of());
        assertEquals(2, r.code, r.output);
        assertTrue(r.output.contains("PYTORCH_LIBRARY_PATH"), r.output);
    }

    /** The CPU libtorch from the pytorch-native-cpu jar, as a PyTorch install's torch/lib would be. */
    private static Path unpackCpuLibtorch() throws IOException {
        Path dir = TARGET.resolve("bundle-it-libtorch");
        if (Files.exists(dir.resolve("libtorch.so"))) {
            return dir;
        }
        Files.createDirectories(dir);
        Path jar;
        try (Stream<Path> libs = Files.list(TARGET.resolve("lib"))) {
            jar = libs.filter(p -> p.getFileName().toString().startsWith("pytorch-native-cpu")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no pytorch-native-cpu jar in target/lib"));
        }
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry e : zip.stream().toList()) {
                String name = e.getName();
                if (!e.isDirectory() && name.startsWith("pytorch/cpu/linux-x86_64/")) {
                    try (InputStream in = zip.getInputStream(e)) {
                        Files.copy(in, dir.resolve(name.substring(name.lastIndexOf('/') + 1)),
                                StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        return dir;
    }

    private record Result(int code, String output) {}

    private static Result exec(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
