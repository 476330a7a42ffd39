package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.stream.Stream;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.train.MetricsLog;
import org.cardinal.detector.data.SyntheticCocoGenerator;
import org.cardinal.detector.train.Checkpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every mistake a user can make, and every way a run can end, through the real launchers in
 * {@code tools/} as a user types them: the exit code, one line {@code error: ...} naming the file
 * and field, never a stack trace; a NaN loss with its own exit code and the command to go on;
 * SIGTERM in the middle of training, several times: a checkpoint at the stop, no JVM crash, and a
 * resume from it; SIGTERM during compare-backbones' time estimate. Runs after {@code package} (failsafe), on the freshly built project.
 */
class LauncherIT {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    static Path shared;

    private static Path data;

    @BeforeAll
    static void tinyDataset() throws IOException {
        assertEquals(
                "",
                run(List.of(ROOT.resolve("tools/lib/build-needed").toString(), ROOT.toString()), shared, Map.of())
                        .output
                        .strip(),
                "the build must be current before the launchers are tested");
        data = new SyntheticCocoGenerator(
                        SyntheticCocoGenerator.Options.defaults().withImages(8, 4))
                .ensure(shared.resolve("data"));
    }

    /** A run config of a tiny detector on the tiny dataset; {@code solver} is merged in. */
    private static Path tinyConfig(Path dir, String solver) throws IOException {
        Path cfg = dir.resolve("tiny.json");
        Files.writeString(cfg, """
                {"name": "tiny",
                 "model": {"backbone": "resnet_tiny", "num_classes": 7, "min_size": 96, "max_size": 128,
                           "fpn_channels": 16, "representation_size": 32, "anchor_sizes": [[16], [32], [64], [128], [256]],
                           "rpn_pre_nms_top_n_train": 200, "rpn_post_nms_top_n_train": 100,
                           "rpn_pre_nms_top_n_test": 100, "rpn_post_nms_top_n_test": 50,
                           "box_batch_size_per_image": 32},
                 "solver": %s,
                 "data": {"root": "%s", "train_images": "train", "train_annotations": "annotations/instances_train.json",
                          "val_images": "val", "val_annotations": "annotations/instances_val.json", "num_workers": 1}}
                """.formatted(solver, data));
        return cfg;
    }

    @Test
    void malformedConfigIsOneLineNamingTheFile(@TempDir Path dir) throws IOException {
        Path cfg = dir.resolve("broken.json");
        Files.writeString(cfg, "{\"name\": \"x\", \"model\": {\"backbone\": \"resnet50\",,}");
        assertUserError(tool("train-detector", dir, "--config", cfg.toString()), cfg.toString(), "malformed JSON");
        Files.writeString(cfg, "{\"name\": \"x\", // a comment\n \"model\": {}}");
        assertUserError(tool("train-detector", dir, "--config", cfg.toString()), cfg.toString(), "malformed JSON");
    }

    @Test
    void wrongTypeUnknownFieldAndBadValueNameTheField(@TempDir Path dir) throws IOException {
        Path cfg = tinyConfig(dir, "{\"base_lr\": \"fast\"}");
        assertUserError(
                tool("train-detector", dir, "--config", cfg.toString()),
                cfg.toString(),
                "field 'solver.base_lr': expected a number, found \"fast\"");
        cfg = tinyConfig(dir, "{\"max_iters\": 10}");
        assertUserError(
                tool("train-detector", dir, "--config", cfg.toString()),
                cfg.toString(),
                "unknown field 'solver.max_iters'");
        cfg = tinyConfig(dir, "{\"ims_per_batch\": 0}");
        assertUserError(
                tool("train-detector", dir, "--config", cfg.toString()),
                cfg.toString(),
                "field 'solver.ims_per_batch'");
        Path backbone = dir.resolve("typo.json");
        Files.writeString(backbone, "{\"model\": {\"backbone\": \"resnext50_32x5d\"}}");
        assertUserError(
                tool("train-detector", dir, "--config", backbone.toString()),
                backbone.toString(),
                "field 'model.backbone'");
    }

    @Test
    void optionsThatDoNotApplyAndMissingDevicesAreRefused(@TempDir Path dir) throws IOException {
        Path cfg = tinyConfig(dir, "{\"max_iter\": 2}");
        assertUserError(
                tool("train-detector", dir, "--config", cfg.toString(), "--threshold", "0.5"),
                "--threshold",
                "Unknown option");
        assertUserError(
                tool("train-detector", dir, "--config", cfg.toString(), "--seed", "seven"),
                "--seed",
                "'seven' is not a long");
        assertUserError(
                tool(
                        "train-detector",
                        dir,
                        "--config",
                        cfg.toString(),
                        "--device",
                        "gpu",
                        "--output",
                        dir.resolve("run").toString()),
                "gpu",
                "sees no GPU");
        assertUserError(
                tool(
                        "predict",
                        dir,
                        "--model",
                        dir.toString(),
                        "--image",
                        data.resolve("val").toString(),
                        "--max-iter",
                        "3"),
                "--max-iter",
                "Unknown option");
    }

    @Test
    void weightsThatDoNotFitTheArtifactNameTheFileAndTheParameter(@TempDir Path dir) throws IOException {
        Path cfg = tinyConfig(dir, "{\"ims_per_batch\": 2, \"max_iter\": 1, \"device\": \"cpu\"}");
        Path run = dir.resolve("run");
        Result trained = tool("train-detector", dir, "--config", cfg.toString(), "--output", run.toString());
        assertEquals(0, trained.code, trained.output);
        // another architecture's weights in place of the artifact's own
        Path other = tinyConfig(dir, "{\"ims_per_batch\": 2, \"max_iter\": 1, \"device\": \"cpu\"}");
        Files.writeString(other, Files.readString(other).replace("\"fpn_channels\": 16", "\"fpn_channels\": 8"));
        Path otherRun = dir.resolve("other");
        assertEquals(
                0, tool("train-detector", dir, "--config", other.toString(), "--output", otherRun.toString()).code);
        Files.copy(
                otherRun.resolve("model/model.safetensors"),
                run.resolve("model/model.safetensors"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Result r = tool(
                "predict",
                dir,
                "--model",
                run.toString(),
                "--image",
                data.resolve("val").toString(),
                "--output",
                dir.resolve("pred").toString());
        assertUserError(r, "model.safetensors", "backbone.fpn");
    }

    @Test
    void nonFiniteLossEndsWithItsOwnCodeAndSaysHowToGoOn(@TempDir Path dir) throws IOException {
        Path cfg = tinyConfig(
                dir,
                "{\"ims_per_batch\": 2, \"base_lr\": 1e12, \"warmup_iters\": 0, \"max_iter\": 40,"
                        + " \"checkpoint_period\": 1, \"device\": \"cpu\"}");
        Path run = dir.resolve("run");
        Result r = tool("train-detector", dir, "--config", cfg.toString(), "--output", run.toString());
        assertEquals(Cli.NON_FINITE_LOSS, r.code, r.output);
        String line = errorLine(r);
        assertTrue(line.matches("error: loss_\\w+ is (NaN|-?Infinity) at iteration \\d+ .*"), line);
        assertTrue(line.contains("Last good checkpoint: " + run.resolve("checkpoints")), line);
        assertTrue(
                line.contains("tools/train-detector --config " + cfg + " --output " + run + " --base-lr 5.00e+11"
                        + " --resume"),
                line);
    }

    /**
     * The launchers' memory defaults (tools/lib/memory-env) reach the JVM, and each documented
     * override wins: CARDINAL_HEAP, an -Xmx in CARDINAL_JAVA_OPTS over it, a heap limit in
     * JAVA_TOOL_OPTIONS, and a malloc setting the caller exported; a CARDINAL_HEAP that is no size
     * is one error line with exit code 2.
     */
    @Test
    void memoryDefaultsReachTheJvmAndTheOverridesWin(@TempDir Path dir) {
        Result defaults = engineInfo(dir, Map.of());
        assertEquals(0, defaults.code, defaults.output);
        assertTrue(defaults.output.contains("JVM:        heap at most 2048 MiB,"), defaults.output);
        assertTrue(
                defaults.output.contains(
                        "MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=268435456 "),
                defaults.output);
        Result heap = engineInfo(dir, Map.of("CARDINAL_HEAP", "300m", "MALLOC_TOP_PAD_", "0"));
        assertTrue(heap.output.contains("JVM:        heap at most 300 MiB,"), heap.output);
        assertTrue(heap.output.contains(" MALLOC_TOP_PAD_=0 "), heap.output);
        Result javaOpts = engineInfo(dir, Map.of("CARDINAL_HEAP", "300m", "CARDINAL_JAVA_OPTS", "-Xmx640m"));
        assertTrue(javaOpts.output.contains("JVM:        heap at most 640 MiB,"), javaOpts.output);
        // a cluster's or container's limit in JAVA_TOOL_OPTIONS is kept unless CARDINAL_HEAP is given
        Result toolOptions = engineInfo(dir, Map.of("JAVA_TOOL_OPTIONS", "-Xmx700m"));
        assertTrue(toolOptions.output.contains("JVM:        heap at most 700 MiB,"), toolOptions.output);
        assertUserError(engineInfo(dir, Map.of("CARDINAL_HEAP", "lots")), "CARDINAL_HEAP=lots");
    }

    /**
     * CARDINAL_MALLOC: tcmalloc is preloaded where installed (and then glibc's settings are not
     * set), required by "tcmalloc" (an error where it is not installed), and anything but auto,
     * tcmalloc, glibc or an existing file is one error line with exit code 2.
     */
    @Test
    void theAllocatorIsTcmallocWhereInstalledAndCardinalMallocChoosesIt(@TempDir Path dir) {
        Path tcmalloc = installedTcmalloc();
        Result auto = engineInfo(dir, Map.of("CARDINAL_MALLOC", "auto"));
        assertEquals(0, auto.code, auto.output);
        if (tcmalloc != null) {
            assertTrue(auto.output.contains("malloc:     tcmalloc (LD_PRELOAD=" + tcmalloc + ")"), auto.output);
            assertFalse(auto.output.contains("MALLOC_ARENA_MAX"), auto.output);
            Result path = engineInfo(dir, Map.of("CARDINAL_MALLOC", tcmalloc.toString()));
            assertTrue(path.output.contains("malloc:     tcmalloc (LD_PRELOAD=" + tcmalloc + ")"), path.output);
        } else {
            assertTrue(auto.output.contains("malloc:     glibc MALLOC_ARENA_MAX=1 "), auto.output);
            assertUserError(
                    engineInfo(dir, Map.of("CARDINAL_MALLOC", "tcmalloc")), "CARDINAL_MALLOC=tcmalloc: no libtcmalloc");
        }
        Result glibc = engineInfo(dir, Map.of("CARDINAL_MALLOC", "glibc"));
        assertTrue(glibc.output.contains("malloc:     glibc MALLOC_ARENA_MAX=1 "), glibc.output);
        assertUserError(engineInfo(dir, Map.of("CARDINAL_MALLOC", "jemalloc")), "CARDINAL_MALLOC=jemalloc");
        assertUserError(
                engineInfo(dir, Map.of("CARDINAL_MALLOC", dir.resolve("none.so").toString())), "none.so: no such file");
    }

    /** The tcmalloc tools/lib/memory-env would find, or null. */
    private static Path installedTcmalloc() {
        String arch = System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch");
        for (String d : List.of("/usr/lib/" + arch + "-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib")) {
            for (String n : List.of("libtcmalloc_minimal.so.4", "libtcmalloc.so.4")) {
                if (Files.isRegularFile(Path.of(d, n))) {
                    return Path.of(d, n);
                }
            }
        }
        return null;
    }

    /** tools/engine-info with {@code env} and none of the memory settings of this test's environment. */
    private static Result engineInfo(Path dir, Map<String, String> env) {
        Map<String, String> clean = new HashMap<>(env);
        clean.putIfAbsent("CARDINAL_MALLOC", "glibc");
        for (String name : List.of(
                "LD_PRELOAD",
                "CARDINAL_HEAP",
                "CARDINAL_JAVA_OPTS",
                "JAVA_TOOL_OPTIONS",
                "JDK_JAVA_OPTIONS",
                "MALLOC_MMAP_THRESHOLD_",
                "MALLOC_TRIM_THRESHOLD_",
                "MALLOC_TOP_PAD_")) {
            clean.putIfAbsent(name, "");
        }
        return run(List.of(ROOT.resolve("tools/engine-info").toString()), dir, clean);
    }

    /**
     * A first SIGTERM while compare-backbones probes each backbone for its time estimate ends the
     * probes (it was ignored until every probe had trained: minutes per backbone for a full-size
     * model).
     */
    @Test
    void sigtermWhileTheComparisonMeasuresItsTimeEstimateStopsIt(@TempDir Path dir) throws Exception {
        Path base =
                tinyConfig(dir, "{\"ims_per_batch\": 2, \"max_iter\": 20, \"eval_period\": 0, \"device\": \"cpu\"}");
        Path comparison = dir.resolve("cmp.json");
        Files.writeString(
                comparison,
                "{\"name\": \"tiny_cmp\", \"base\": \"" + base
                        + "\", \"backbones\": [\"resnet_tiny\", \"resnext_tiny\"], \"seeds\": 2}");
        Path log = dir.resolve("compare.log");
        Process p = start(
                List.of(
                        ROOT.resolve("tools/compare-backbones").toString(),
                        "--config",
                        comparison.toString(),
                        "--output",
                        dir.resolve("out").toString()),
                dir,
                log);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.readString(log).contains("measuring the speed of each backbone")
                && p.isAlive()
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), Files.readString(log));
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(1, TimeUnit.MINUTES), "the estimate did not stop within a minute of SIGTERM");
        String out = Files.readString(log);
        assertEquals(143, p.exitValue(), out);
        assertTrue(out.contains("stopped by SIGTERM while measuring the speed of each backbone"), out);
        assertFalse(out.contains("\tat ") || out.contains("estimated time:"), out);
    }

    @Test
    void sigtermMidTrainingSavesACheckpointThereAndTheRunResumesFromIt(@TempDir Path dir) throws Exception {
        Path cfg = tinyConfig(
                dir,
                "{\"ims_per_batch\": 2, \"max_iter\": 60, \"checkpoint_period\": 1000,"
                        + " \"log_period\": 1, \"eval_period\": 0, \"device\": \"cpu\"}");
        Path run = dir.resolve("run");
        int last = 0;
        for (int stop = 0; stop < 3; stop++) {
            List<String> cmd = new ArrayList<>(List.of(
                    ROOT.resolve("tools/train-detector").toString(),
                    "--config",
                    cfg.toString(),
                    "--output",
                    run.toString()));
            if (stop > 0) {
                cmd.add("--resume");
            }
            Path log = dir.resolve("stop" + stop + ".log");
            Process p = start(cmd, dir, log);
            int target = last + 4 + 3 * stop; // a different point each time
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (iterationsLogged(run) < target && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(p.isAlive(), "the run ended before it could be stopped");
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the run did not stop within two minutes of SIGTERM");
            String out = Files.readString(log);
            assertEquals(143, p.exitValue(), out);
            assertFalse(out.contains("\tat "), out);
            assertTrue(out.contains("continue with: tools/train-detector"), out);
            int saved = Checkpoint.readState(
                            Checkpoint.latest(run.resolve("checkpoints")).orElseThrow())
                    .iteration();
            assertTrue(saved >= target && saved > last, "checkpoint at " + saved + ", stopped after " + target);
            assertEquals(saved, iterationsLogged(run), "the checkpoint is the last iteration done");
            last = saved;
        }
        Result finished =
                tool("train-detector", dir, "--config", cfg.toString(), "--output", run.toString(), "--resume");
        assertEquals(0, finished.code, finished.output);
        assertTrue(finished.output.contains("training iterations " + (last + 1) + "..60"), finished.output);
        try (Stream<Path> crashes = Files.list(dir)) {
            assertEquals(
                    List.of(),
                    crashes.filter(f -> f.getFileName().toString().startsWith("hs_err"))
                            .toList());
        }
    }

    /** A tool's exit code and its combined output. */
    private record Result(int code, String output) {}

    private static Result tool(String name, Path cwd, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ROOT.resolve("tools").resolve(name).toString());
        cmd.addAll(List.of(args));
        return run(cmd, cwd, Map.of());
    }

    private static Process start(List<String> cmd, Path cwd, Path log) throws IOException {
        // destroy() closes the streams, so the output goes to a file
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(cwd.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().remove("CARDINAL_DEBUG");
        return pb.start();
    }

    private static Result run(List<String> cmd, Path cwd, Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
            pb.environment().remove("CARDINAL_DEBUG");
            pb.environment().putAll(env);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), String.join(" ", cmd));
            return new Result(p.exitValue(), out);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int iterationsLogged(Path run) throws IOException {
        int last = 0;
        for (var o : MetricsLog.read(run.resolve(MetricsLog.FILE))) {
            if ("train".equals(o.get("type").getAsString())) {
                last = Math.max(last, o.get("iteration").getAsInt());
            }
        }
        return last;
    }

    private static String errorLine(Result r) {
        List<String> errors =
                r.output.lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), r.output);
        assertFalse(r.output.contains("\tat ") || r.output.contains("Exception in thread"), r.output);
        return errors.get(0);
    }

    private static void assertUserError(Result r, String... mentions) {
        assertEquals(Cli.USER_ERROR, r.code, r.output);
        String line = errorLine(r);
        for (String m : mentions) {
            assertTrue(line.contains(m), "'" + m + "' not in: " + line);
        }
    }
}
