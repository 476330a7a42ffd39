package org.cardinal.backbone.weights;

import static org.cardinal.backbone.weights.HostileFiles.floats;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.cardinal.backbone.weights.HostileFiles.Pickle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Randomly corrupted and randomly generated hostile weight files (stride-0 and overlapping views,
 * sizes that overflow, storages and zip entries that lie about their size, cyclic, deep and
 * exponentially shared pickles, safetensors ranges of every kind) either still read or fail with a
 * one-line WeightsFormatException naming the file: never another exception, an OutOfMemoryError, a
 * StackOverflowError or a hang, and never allocating much beyond the reader's budget. Seeded, so a
 * failure reproduces; {@code -Dfuzz.iterations=N} runs more.
 */
class CorruptionFuzzTest {
    private static final int ITERATIONS = Integer.getInteger("fuzz.iterations", 300);
    /** A read of these small files takes milliseconds; far longer means a loop that does not end. */
    private static final Duration HANG = Duration.ofSeconds(10);
    /** The budget every read here runs with. */
    private static final long BUDGET = 4L << 20;
    /**
     * What a read may allocate besides what the budget counts: the zip's central directory, I/O
     * buffers, the exception. Far below what any hostile case asks for (64 MiB to exabytes).
     */
    private static final long SLACK = 4L << 20;

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
            mutate(rng, code, 2, 1 + rng.nextInt(4));
            Map<String, byte[]> copy = new LinkedHashMap<>(entries);
            copy.put(pkl, code);
            Files.write(f, HostileFiles.zip(copy));
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
                    + (int) ByteBuffer.wrap(b, 0, 8)
                            .order(ByteOrder.LITTLE_ENDIAN)
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

    @Test
    void generatedHostileCheckpointsFailOnlyWithFormatErrors() throws IOException {
        Random rng = new Random(20);
        Path f = tmp.resolve("hostile.pth");
        for (int iter = 0; iter < ITERATIONS; iter++) {
            Map<String, byte[]> storages = new LinkedHashMap<>();
            byte[] code = hostilePickle(rng, storages);
            if (rng.nextInt(4) == 0) {
                mutate(rng, code, 2, 1 + rng.nextInt(3));
            }
            Map<String, byte[]> entries = new LinkedHashMap<>();
            entries.put("archive/data.pkl", code);
            storages.forEach((k, v) -> entries.put("archive/data/" + k, v));
            byte[] zip = HostileFiles.zip(entries);
            if (rng.nextInt(5) == 0) {
                // an entry that lies about its size, smaller or larger than what it inflates to
                List<String> names = new ArrayList<>(entries.keySet());
                String name = names.get(rng.nextInt(names.size()));
                zip = HostileFiles.lieAboutSize(zip, name, rng.nextBoolean() ? rng.nextInt(64) : Integer.MAX_VALUE);
            }
            Files.write(f, zip);
            expectOnlyFormatErrors(f, iter);
        }
    }

    @Test
    void generatedHostileSafetensorsFailOnlyWithFormatErrors() throws IOException {
        Random rng = new Random(21);
        Path f = tmp.resolve("hostile.safetensors");
        String[] dtypes = {"F32", "F16", "I64", "U8", "BOOL"};
        int[] widths = {4, 2, 8, 1, 1};
        for (int iter = 0; iter < ITERATIONS; iter++) {
            StringBuilder h = new StringBuilder("{");
            int n = 1 + rng.nextInt(4);
            long offset = 0;
            for (int i = 0; i < n; i++) {
                int d = rng.nextInt(dtypes.length);
                long[] shape = new long[rng.nextInt(4)];
                long numel = 1;
                for (int k = 0; k < shape.length; k++) {
                    shape[k] = rng.nextInt(6) == 0 ? hugeOrOdd(rng) : rng.nextInt(40);
                    numel = numel * shape[k];
                }
                long bytes = numel * widths[d]; // may wrap, as a hostile writer's would
                long begin = rng.nextInt(6) == 0 ? offset - rng.nextInt(100) : offset;
                long end = rng.nextInt(6) == 0 ? hugeOrOdd(rng) : begin + bytes;
                h.append(i > 0 ? ", " : "")
                        .append("\"t")
                        .append(i)
                        .append("\": {\"dtype\": \"")
                        .append(dtypes[d])
                        .append("\", \"shape\": ")
                        .append(java.util.Arrays.toString(shape))
                        .append(", \"data_offsets\": [")
                        .append(begin)
                        .append(", ")
                        .append(end)
                        .append("]}");
                offset = Math.max(offset, end);
            }
            h.append("}");
            int data = (int) Math.max(0, Math.min(1 << 16, offset + rng.nextInt(3) - 1));
            HostileFiles.writeSafetensors(f, h.toString(), data);
            if (rng.nextInt(8) == 0) {
                byte[] b = Files.readAllBytes(f);
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, hugeOrOdd(rng));
                Files.write(f, b);
            }
            expectOnlyFormatErrors(f, iter);
        }
    }

    /** A pickle of one of the hostile shapes, with random sizes; its storages go to {@code storages}. */
    private static byte[] hostilePickle(Random rng, Map<String, byte[]> storages) {
        int numel = 1 + rng.nextInt(1024);
        storages.put("0", floats(numel));
        Pickle p = new Pickle().op('}');
        switch (rng.nextInt(8)) {
            case 0 -> { // views with stride 0 or random strides and sizes
                int rank = 1 + rng.nextInt(4);
                long[] size = new long[rank];
                long[] stride = new long[rank];
                for (int i = 0; i < rank; i++) {
                    size[i] = rng.nextBoolean() ? 1L << rng.nextInt(40) : rng.nextInt(64);
                    stride[i] = rng.nextInt(3) == 0 ? 0 : rng.nextInt(3) == 0 ? hugeOrOdd(rng) : rng.nextInt(8);
                }
                p.str("w").tensor("0", numel, rng.nextInt(3) == 0 ? hugeOrOdd(rng) : rng.nextInt(numel), size, stride);
                p.op('s');
            }
            case 1 -> { // many views of one storage
                int big = 1 + rng.nextInt(65536);
                storages.put("0", floats(big));
                int views = 1 + rng.nextInt(400);
                for (int i = 0; i < views; i++) {
                    p.str("t" + i)
                            .tensor("0", big, 0, new long[] {big}, new long[] {1})
                            .op('s');
                }
            }
            case 2 -> { // sizes and numels that overflow or lie
                long[] size = {hugeOrOdd(rng), rng.nextBoolean() ? hugeOrOdd(rng) : 1};
                long declared = rng.nextBoolean() ? hugeOrOdd(rng) : numel;
                p.str("w")
                        .tensor("0", declared, 0, size, new long[] {rng.nextInt(2), 0})
                        .op('s');
            }
            case 3 -> { // L0 -> W1 -> ... -> Wn -> L0 through lists and tuples
                p.op(']').put(0);
                int n = 1 + rng.nextInt(5);
                for (int i = 1; i <= n; i++) {
                    if (rng.nextBoolean()) {
                        p.op(0x85); // (top,)
                    } else {
                        p.put(1000 + i).op('0').op(']').get(1000 + i).op('a'); // [top]
                    }
                }
                p.put(999).op('0').get(0).get(999).op('a').op('0');
                p.str("y").get(0).op('s');
            }
            case 4 -> { // a tuple key holding a list or a dict, perhaps in a cycle
                p.op(']').put(0).op('0').get(0).get(0).op(0x85).put(1).op('a').op('0');
                p.get(1).integer(rng.nextInt(10)).op('s');
            }
            case 5 -> { // deep nesting of lists, tuples or dicts
                int depth = 50 + rng.nextInt(20_000);
                p.str("x").repeat("]", depth).repeat("a", depth - 1).op('s');
            }
            case 6 -> { // containers shared exponentially
                int depth = 10 + rng.nextInt(50);
                p.str("x").op(']').put(0).op('0');
                for (int k = 1; k <= depth; k++) {
                    p.op('(')
                            .get(k - 1)
                            .get(k - 1)
                            .op(rng.nextBoolean() ? 'l' : 't')
                            .put(k)
                            .op('0');
                }
                p.get(depth).op('s');
            }
            default -> { // a long key as the prefix of many names: {K: [t, t, ..., t]}
                p.str("k".repeat(1 + rng.nextInt(100_000))).put(0).op('0');
                p.get(0)
                        .op(']')
                        .op('(')
                        .tensor("0", numel, 0, new long[] {1}, new long[] {1})
                        .put(1);
                for (int i = rng.nextInt(2000); i > 0; i--) {
                    p.get(1);
                }
                p.op('e').op('s');
            }
        }
        return p.stop();
    }

    private static long hugeOrOdd(Random rng) {
        long[] pick = {-1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 62, 1L << 31, (1L << 32) + 1, Integer.MAX_VALUE};
        return pick[rng.nextInt(pick.length)];
    }

    private static void mutate(Random rng, byte[] code, int from, int edits) {
        for (int k = 0; k < edits; k++) {
            int pos = from + rng.nextInt(code.length - from);
            code[pos] = rng.nextInt(3) == 0 ? (byte) rng.nextInt(256) : (byte) (code[pos] ^ (1 << rng.nextInt(8)));
        }
    }

    private static void expectOnlyFormatErrors(Path f, int iter) {
        // preemptive: a read stuck in a loop is abandoned on its own thread and reported, not waited for
        assertTimeoutPreemptively(
                HANG,
                () -> {
                    long before = HostileWeightsTest.allocated();
                    String outcome = "read";
                    try {
                        StateDict.read(f, ReadBudget.of(f, BUDGET));
                    } catch (WeightsFormatException e) {
                        outcome = e.getMessage();
                        assertTrue(
                                outcome.startsWith(f + ": ") && !outcome.contains("\n"),
                                "iteration " + iter + ": " + outcome);
                    } catch (Throwable t) {
                        fail("iteration " + iter + ": " + t, t);
                    }
                    long used = HostileWeightsTest.allocated() - before;
                    assertTrue(
                            used <= BUDGET + SLACK,
                            "iteration " + iter + ": allocated " + used + " bytes with a budget of " + BUDGET + " ("
                                    + outcome + ")");
                },
                () -> "iteration " + iter + ": no answer within " + HANG.toSeconds() + " s (a hang)");
    }
}
