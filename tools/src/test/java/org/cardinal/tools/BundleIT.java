package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
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
import javax.imageio.ImageIO;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.FasterRcnnFactory;
import org.cardinal.detector.zoo.DetectorArtifact;
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
            bytes = files.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
        assertTrue(bytes < 64L << 20, "bundle is " + (bytes >> 20) + " MiB");
    }

    @Test
    void launcherRunsOnGivenLibtorchWithoutJavaOrHome() throws Exception {
        Path libtorch = unpackCpuLibtorch();
        Path home = Files.createTempDirectory("bundle-home");
        Result r = execWithoutJava(
                List.of(BUNDLE.resolve("bin/engine-info").toString()),
                Map.of(
                        "PYTORCH_LIBRARY_PATH",
                        libtorch.toString(),
                        "HOME",
                        home.toString(),
                        "CARDINAL_MALLOC",
                        "glibc"));
        assertEquals(0, r.code, r.output);
        assertTrue(r.output.contains("PyTorch 2.7.1"), r.output);
        assertTrue(r.output.matches("(?s).*cpu\\(\\): +ok.*"), r.output);
        // the checkout's memory defaults (lib/memory-env), and the override of the heap
        assertTrue(r.output.contains("JVM:        heap at most 2048 MiB,"), r.output);
        assertTrue(r.output.contains("MALLOC_MMAP_THRESHOLD_=1073741824"), r.output);
        try (Stream<Path> written = Files.list(home)) {
            assertEquals(0, written.count(), "the bundle wrote into the home folder");
        }
        Result heap = execWithoutJava(
                List.of(BUNDLE.resolve("bin/engine-info").toString()),
                Map.of("PYTORCH_LIBRARY_PATH", libtorch.toString(), "HOME", home.toString(), "CARDINAL_HEAP", "300m"));
        assertTrue(heap.output.contains("JVM:        heap at most 300 MiB,"), heap.output);
    }

    /**
     * The bundle's predict decodes what the JDK alone cannot (a CMYK JPEG with an ICC profile) and
     * turns an EXIF-rotated JPEG upright: the TwelveMonkeys jars and the decoder made it into lib/.
     * Fixtures from backbone's test resources (made by make_fixtures.py there).
     */
    @Test
    void predictReadsCmykAndExifRotatedJpegs() throws Exception {
        assertTrue(Files.isRegularFile(BUNDLE.resolve("lib/imageio-jpeg-3.14.0.jar")), "TwelveMonkeys in lib/");
        Path work = Files.createTempDirectory(TARGET, "bundle-predict");
        Path images = Files.createDirectories(work.resolve("images"));
        Path fixtures = TOOLS.resolveSibling("backbone").resolve("src/test/resources/org/cardinal/backbone/image");
        for (String name : List.of("cmyk.jpg", "orientation_6.jpg")) {
            Files.copy(fixtures.resolve(name), images.resolve(name));
        }
        DetectorConfig config = DetectorConfig.fromJson(
                JsonParser.parseString("{\"backbone\": \"resnet_tiny\","
                                + " \"num_classes\": 2, \"min_size\": 32, \"max_size\": 64, \"fpn_channels\": 8,"
                                + " \"representation_size\": 16}")
                        .getAsJsonObject(),
                ConfigPath.root("test"));
        Path model = work.resolve("tiny");
        try (NDManager manager = NDManager.newBaseManager()) {
            FasterRcnn net = FasterRcnnFactory.create(config);
            net.initialize(manager, DataType.FLOAT32);
            new DetectorArtifact("tiny", "random weights", config, List.of("thing"), new int[] {1}, "test", null)
                    .write(model, StateDicts.export(net));
        }
        Path out = work.resolve("out");
        Result r = execWithoutJava(
                List.of(
                        BUNDLE.resolve("bin/predict").toString(),
                        "--model",
                        model.toString(),
                        "--image",
                        images.toString(),
                        "--output",
                        out.toString(),
                        "--threshold",
                        "2"),
                Map.of("PYTORCH_LIBRARY_PATH", unpackCpuLibtorch().toString(), "HOME", work.toString()));
        assertEquals(0, r.code, r.output);
        // nothing scores 2, so the written images are the decoded ones, boxes-free
        BufferedImage cmyk = ImageIO.read(out.resolve("cmyk.jpg.png").toFile());
        assertEquals(64, cmyk.getWidth());
        assertTrue(near(cmyk.getRGB(24, 8), 0, 255, 255), "cyan patch: " + Integer.toHexString(cmyk.getRGB(24, 8)));
        BufferedImage upright =
                ImageIO.read(out.resolve("orientation_6.jpg.png").toFile());
        assertEquals(32, upright.getWidth(), "turned upright: 48x32 stored, orientation 6");
        assertEquals(48, upright.getHeight());
        assertTrue(
                near(upright.getRGB(24, 12), 255, 0, 0),
                "the stored top-left red quadrant is at the top right: " + Integer.toHexString(upright.getRGB(24, 12)));
    }

    /** Within 3 levels per channel: JPEG leaves flat patches that close to the drawn colour. */
    private static boolean near(int rgb, int r, int g, int b) {
        return Math.abs((rgb >> 16 & 0xff) - r) <= 3
                && Math.abs((rgb >> 8 & 0xff) - g) <= 3
                && Math.abs((rgb & 0xff) - b) <= 3;
    }

    /**
     * The GPU measurement script runs from the bundle; here on the CPU with a tiny model, one
     * replica and two, so that it cannot rot where no GPU is lent.
     */
    @Test
    void gpuBenchmarkScriptRunsFromTheBundle() throws Exception {
        Path home = Files.createTempDirectory("bundle-home");
        Result r = execWithoutJava(
                List.of(BUNDLE.resolve("bin/bench-gpu").toString(), "--cpu-smoke"),
                Map.of("PYTORCH_LIBRARY_PATH", unpackCpuLibtorch().toString(), "HOME", home.toString()));
        assertEquals(0, r.code, r.output);
        assertTrue(r.output.contains("devices [cpu()]") && r.output.contains("devices [cpu(), cpu()]"), r.output);
        assertTrue(r.output.contains("train iterations/s") && r.output.contains("peak RSS MiB"), r.output);
        Result noGpu = execWithoutJava(
                List.of(BUNDLE.resolve("bin/bench-gpu").toString()),
                Map.of("PYTORCH_LIBRARY_PATH", unpackCpuLibtorch().toString(), "HOME", home.toString()));
        assertEquals(2, noGpu.code, noGpu.output);
        assertTrue(noGpu.output.contains("no NVIDIA GPU"), noGpu.output);
    }

    /**
     * The bundle ships configs/: each tool finds a named config there, reads it and gets as far as
     * its first check of the data (which fails on purpose: nothing trains), run from a folder that
     * is not a checkout.
     */
    @Test
    void namedConfigsResolveInTheBundle() throws Exception {
        Path work = Files.createTempDirectory(TARGET, "bundle-configs");
        Path noData = Files.createDirectories(work.resolve("no-data"));
        Map<String, String> env =
                Map.of("PYTORCH_LIBRARY_PATH", unpackCpuLibtorch().toString(), "HOME", work.toString());
        Result help = execWithoutJava(List.of(bin("train-detector"), "--help"), env, work);
        assertEquals(0, help.code, help.output);
        assertTrue(help.output.contains("usage: tools/train-detector"), help.output);

        Result train = execWithoutJava(
                List.of(
                        bin("train-detector"),
                        "--config",
                        "faster_rcnn_R_50_FPN_1x",
                        "--data",
                        noData.toString(),
                        "--output",
                        work.resolve("run").toString(),
                        "--device",
                        "gpu"),
                env,
                work);
        assertEquals(2, train.code, train.output);
        assertTrue(
                train.output.contains("config " + BUNDLE.resolve("configs/detectors/faster_rcnn_R_50_FPN_1x.json")),
                train.output);

        Result pretrain = execWithoutJava(
                List.of(bin("pretrain-backbone"), "--config", "resnet50", "--data", noData.toString()), env, work);
        assertEquals(2, pretrain.code, pretrain.output);
        assertTrue(pretrain.output.contains("expected a folder with train/<class>/ images"), pretrain.output);

        // the comparison's base config (configs/detectors/demo_tiny_fpn.json) is found too
        Result compare = execWithoutJava(
                List.of(bin("compare-backbones"), "--config", "demo_resnet_vs_resnext", "--seeds", "-1"), env, work);
        assertEquals(2, compare.code, compare.output);
        assertTrue(compare.output.contains("--seeds must be positive"), compare.output);
    }

    @Test
    void launcherWithoutLibtorchSaysWhatIsMissing() throws Exception {
        Result r = execWithoutJava(List.of(BUNDLE.resolve("bin/engine-info").toString()), Map.of());
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
            jar = libs.filter(p -> p.getFileName().toString().startsWith("pytorch-native-cpu"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no pytorch-native-cpu jar in target/lib"));
        }
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry e : zip.stream().toList()) {
                String name = e.getName();
                if (!e.isDirectory() && name.startsWith("pytorch/cpu/linux-x86_64/")) {
                    try (InputStream in = zip.getInputStream(e)) {
                        Files.copy(
                                in,
                                dir.resolve(name.substring(name.lastIndexOf('/') + 1)),
                                StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        return dir;
    }

    private record Result(int code, String output) {}

    private static String bin(String tool) {
        return BUNDLE.resolve("bin").resolve(tool).toString();
    }

    private static Result exec(List<String> command, Map<String, String> env) throws Exception {
        return exec(command, env, TOOLS);
    }

    private static Result exec(List<String> command, Map<String, String> env, Path dir) throws Exception {
        return exec(command, env, dir, "/usr/bin:/bin");
    }

    /** Runs a bundle's launcher as on a machine without Java: a PATH with every command but Java's. */
    private static Result execWithoutJava(List<String> command, Map<String, String> env) throws Exception {
        return execWithoutJava(command, env, TOOLS);
    }

    private static Result execWithoutJava(List<String> command, Map<String, String> env, Path dir) throws Exception {
        return exec(command, env, dir, pathWithoutJava().toString());
    }

    private static Result exec(List<String> command, Map<String, String> env, Path dir, String path) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", path);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    /**
     * A folder of links to every command in /usr/bin and /bin except those of a Java installation
     * (any whose target lies in a JDK: java, jlink, keytool...), made once; checked to hold no java.
     */
    private static Path pathWithoutJava() throws IOException {
        Path bin = TARGET.resolve("bundle-it-bin");
        if (Files.isDirectory(bin)) {
            return bin;
        }
        Path javaHome = Path.of(System.getProperty("java.home")).toRealPath();
        Path tmp = Files.createTempDirectory(TARGET, "bundle-it-bin");
        for (String folder : List.of("/usr/bin", "/bin")) {
            try (Stream<Path> commands = Files.list(Path.of(folder))) {
                for (Path c : commands.toList()) {
                    Path link = tmp.resolve(c.getFileName().toString());
                    if (Files.exists(link) || !Files.isExecutable(c) || Files.isDirectory(c)) {
                        continue;
                    }
                    Path real = c.toRealPath();
                    if (real.startsWith(javaHome) || real.toString().contains("/jvm/")) {
                        continue;
                    }
                    Files.createSymbolicLink(link, real);
                }
            }
        }
        assertTrue(!Files.exists(tmp.resolve("java")) && Files.isExecutable(tmp.resolve("bash")), tmp.toString());
        Files.move(tmp, bin);
        return bin;
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
