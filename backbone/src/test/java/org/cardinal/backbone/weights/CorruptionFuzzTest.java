package org.cardinal.backbone.weights;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Randomly corrupted checkpoints either still read or fail with a WeightsFormatException: never an
 * unchecked exception, an OutOfMemoryError or a hang. Seeded, so a failure reproduces.
 */
class CorruptionFuzzTest {
    private static final int ITERATIONS = Integer.getInteger("fuzz.iterations", 300);
    /** A read of these few-kB files takes milliseconds; far longer means a loop that does not end. */
    private static final Duration HANG = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    @Test
    void corruptedPicklesFailOnlyWithFormatErrors() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(Fixtures.path("views.pth").toFile())) {
            for (ZipEntry e : z.stream().toList()) {
                entries.put(e.getName(), z.getInputStream(e).readAllBytes());
            }
        }
        String pkl = entries.keySet().stream()
                .filter(n -> n.endsWith("data.pkl"))
                .findFirst()
                .orElseThrow();
        Random rng = new Random(42);
        Path f = tmp.resolve("fuzz.pth");
        for (int iter = 0; iter < ITERATIONS; iter++) {
            byte[] code = entries.get(pkl).clone();
            int edits = 1 + rng.nextInt(4);
            for (int k = 0; k < edits; k++) {
                int pos = 2 + rng.nextInt(code.length - 2);
                code[pos] = rng.nextInt(3) == 0 ? (byte) rng.nextInt(256) : (byte) (code[pos] ^ (1 << rng.nextInt(8)));
            }
            writeZip(f, entries, pkl, code);
            expectOnlyFormatErrors(f, iter);
        }
    }

    @Test
    void corruptedSafetensorsFailOnlyWithFormatErrors() throws IOException {
        byte[] orig = Files.readAllBytes(Fixtures.path("views_expected.safetensors"));
        Random rng = new Random(7);
        Path f = tmp.resolve("fuzz.safetensors");
        for (int iter = 0; iter < ITERATIONS; iter++) {
            byte[] b = orig.clone();
            int headerEnd = 8
                    + (int) java.nio.ByteBuffer.wrap(b, 0, 8)
                            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                            .getLong();
            int edits = 1 + rng.nextInt(3);
            for (int k = 0; k < edits; k++) {
                int pos = rng.nextInt(Math.min(headerEnd, b.length));
                b[pos] = (byte) (rng.nextBoolean() ? '0' + rng.nextInt(10) : rng.nextInt(256));
            }
            Files.write(f, b);
            expectOnlyFormatErrors(f, iter);
        }
    }

    private static void expectOnlyFormatErrors(Path f, int iter) {
        // preemptive: a read stuck in a loop is abandoned on its own thread and reported, not waited for
        assertTimeoutPreemptively(
                HANG,
                () -> {
                    try {
                        StateDict.read(f);
                    } catch (WeightsFormatException e) {
                        // the expected outcome for most corruptions
                    } catch (Throwable t) {
                        fail("iteration " + iter + ": " + t, t);
                    }
                },
                () -> "iteration " + iter + ": no answer within " + HANG.toSeconds() + " s (a hang)");
    }

    private static void writeZip(Path f, Map<String, byte[]> entries, String pkl, byte[] code) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bos)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getKey().equals(pkl) ? code : e.getValue());
                z.closeEntry();
            }
        }
        Files.write(f, bos.toByteArray());
    }
}
