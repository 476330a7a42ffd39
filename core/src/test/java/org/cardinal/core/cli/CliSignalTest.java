package org.cardinal.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cardinal.core.testing.JvmOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The signal policy of {@link Cli}, on a JVM of its own that receives real SIGTERMs. */
class CliSignalTest {

    @Test
    void secondSigtermEndsAPhaseThatIgnoresTheStopAtOnceWith143(@TempDir Path dir) throws Exception {
        Child c = Child.start("ignore", dir);
        c.process.destroy(); // SIGTERM
        c.awaitStderr("SIGTERM: stopping after the current iteration");
        long t0 = System.nanoTime();
        c.process.destroy();
        assertTrue(c.process.waitFor(10, TimeUnit.SECONDS), "the second SIGTERM did not end it");
        assertEquals(143, c.process.exitValue(), c.stderr());
        assertTrue((System.nanoTime() - t0) / 1e9 < 10);
        assertTrue(c.stderr().contains("stopping at once"), c.stderr());
    }

    @Test
    void twoSigtermsTogetherEndItAtOnce(@TempDir Path dir) throws Exception {
        int together = 0;
        for (int i = 0; i < 10 && together < 3; i++) {
            Child c = Child.start("ignore", dir.resolve("run" + i));
            try {
                // back to back, before the handler of the first has run: exactly one is the first
                new ProcessBuilder("kill", "-TERM", Long.toString(c.process.pid())).start();
                new ProcessBuilder("kill", "-TERM", Long.toString(c.process.pid())).start();
                if (!c.process.waitFor(10, TimeUnit.SECONDS)) {
                    // The kernel merges a SIGTERM that arrives while another is still pending: then
                    // the child saw one signal and rightly waits. Two handlers that both took
                    // themselves for the first (the old race) would each have said so.
                    long firsts = JvmOutput.lines(c.stderr()).stream()
                            .filter(l -> l.startsWith("SIGTERM: stopping after the current iteration"))
                            .count();
                    assertEquals(1, firsts, "two SIGTERMs together did not end it: " + c.stderr());
                    continue;
                }
                assertEquals(143, c.process.exitValue(), c.stderr());
                together++;
            } finally {
                c.process.destroyForcibly();
            }
        }
        assertEquals(3, together, "the kernel merged the two SIGTERMs in too many of 10 tries");
    }

    @Test
    void aSignalWhenTheWorkIsDoneAnywayExitsWithZeroAndSaysSo(@TempDir Path dir) throws Exception {
        Child c = Child.start("finish", dir);
        c.process.destroy();
        assertTrue(c.process.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, c.process.exitValue(), c.stderr());
        // the handler's own line may come before or after it: the handler thread and main race
        List<String> err = JvmOutput.lines(c.stderr());
        assertTrue(err.contains("SIGTERM came when the work was done: nothing was cut short"), c.stderr());
        assertTrue(err.stream().noneMatch(l -> l.startsWith("error:")), c.stderr());
    }

    /** A {@link SignalChild} that has said it is ready. */
    private record Child(Process process, Path out, Path err) {

        static Child start(String mode, Path dir) throws Exception {
            Files.createDirectories(dir);
            Path out = dir.resolve("stdout.txt");
            Path err = dir.resolve("stderr.txt");
            Process p = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            SignalChild.class.getName(),
                            mode)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            Child c = new Child(p, out, err);
            c.await(out, "ready");
            return c;
        }

        String stderr() throws IOException {
            return Files.readString(err, StandardCharsets.UTF_8);
        }

        void awaitStderr(String text) throws Exception {
            await(err, text);
        }

        private void await(Path file, String text) throws Exception {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(file, StandardCharsets.UTF_8).contains(text)) {
                if (!process.isAlive() || System.nanoTime() > until) {
                    process.destroyForcibly();
                    throw new AssertionError("no '" + text + "' from the child: " + stderr());
                }
                Thread.sleep(20);
            }
        }
    }
}
