package org.cardinal.backbone.weights;

import static org.cardinal.backbone.weights.HostileFiles.floats;
import static org.cardinal.backbone.weights.HostileFiles.oneTensor;
import static org.cardinal.backbone.weights.HostileFiles.writePth;
import static org.cardinal.backbone.weights.HostileFiles.writeSafetensors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cardinal.backbone.weights.HostileFiles.Pickle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per loophole of the weight readers: files of a few kB that ask for gigabytes, sizes that
 * overflow, zip entries that lie about their size, cyclic and deeply nested pickles, and safetensors
 * ranges that overlap or overflow. Each must end in a one-line {@link WeightsFormatException} naming
 * the file (and the tensor where there is one), quickly and without allocating what it asks for.
 */
class HostileWeightsTest {
    private static final Duration QUICK = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    /** Bytes allocated by the calling thread so far (HotSpot's per-thread counter). */
    static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** Reads {@code f}, expecting a one-line format error naming the file; returns its message. */
    private static String refused(Path f) {
        WeightsFormatException e = assertTimeoutPreemptively(
                QUICK, () -> assertThrows(WeightsFormatException.class, () -> StateDict.read(f)));
        String m = e.getMessage();
        assertTrue(m.startsWith(f + ": "), m);
        assertFalse(m.contains("\n"), m);
        return m;
    }

    @Test
    void strideZeroViewAskingForAGigabyteIsRefusedBeforeAllocating() throws IOException {
        // one float expanded to 16384 x 16384 (1 GiB), in a file of a few hundred bytes
        Path f = tmp.resolve("expand.pth");
        writePth(f, oneTensor("w", 1, 0, new long[] {16384, 16384}, new long[] {0, 0}), Map.of("0", floats(1)));
        long before = allocated();
        String m = refused(f);
        assertTrue(m.contains("tensor 'w'") && m.contains("1073741824 bytes") && m.contains("budget"), m);
        assertTrue(m.contains(ReadBudget.PROPERTY) && m.contains(ReadBudget.ENV), m);
        assertTrue(allocated() - before < (32L << 20), "allocated " + (allocated() - before) + " bytes");
    }

    @Test
    void overlappingViewsOfOneStorageAreChargedPerTensor() throws IOException {
        // 300 tensors each viewing the whole 256 KiB storage: 75 MiB of copies from a ~50 kB file
        int n = 65536;
        Pickle p = new Pickle().op('}');
        for (int i = 0; i < 300; i++) {
            p.str("t" + i).tensor("0", n, 0, new long[] {n}, new long[] {1}).op('s');
        }
        Path f = tmp.resolve("overlap.pth");
        writePth(f, p.stop(), Map.of("0", floats(n)));
        assertTrue(Files.size(f) < 100_000, "file of " + Files.size(f) + " bytes");
        String m = refused(f);
        assertTrue(m.matches(".*tensor 't\\d+'.*budget.*"), m);

        // with an explicit budget of 4 MiB the copies stop there, and so does the memory used
        long before = allocated();
        WeightsFormatException e =
                assertThrows(WeightsFormatException.class, () -> StateDict.read(f, ReadBudget.of(f, 4L << 20)));
        assertTrue(e.getMessage().contains("budget of 4194304 bytes"), e.getMessage());
        assertTrue(allocated() - before < (8L << 20), "allocated " + (allocated() - before) + " bytes");
    }

    @Test
    void aTensorThePickleNamesTwiceIsCopiedAndChargedOnce() throws IOException {
        int n = 65536;
        byte[] code = new Pickle()
                .op('}')
                .str("a")
                .tensor("0", n, 0, new long[] {n}, new long[] {1})
                .put(0)
                .op('s')
                .str("b")
                .get(0)
                .op('s')
                .stop();
        Path f = tmp.resolve("tied.pth");
        writePth(f, code, Map.of("0", floats(n)));
        // the storage and one copy, plus the pickle's small change; two copies would not fit
        StateDict sd = StateDict.read(f, ReadBudget.of(f, 2L * 4 * n + (256 << 10)));
        assertSame(sd.get("a"), sd.get("b"));
    }

    @Test
    void byteSizesThatOverflowAreFormatErrors() throws IOException {
        // 2^62 float32 elements are 2^64 bytes, which wraps to 0 in a long
        Path f = tmp.resolve("wrap.pth");
        writePth(f, oneTensor("w", 1, 0, new long[] {1L << 62}, new long[] {0}), Map.of("0", floats(1)));
        assertTrue(refused(f).contains("overflows"));

        Path s = tmp.resolve("wrap.safetensors");
        writeSafetensors(
                s, "{\"w\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904], \"data_offsets\": [0, 0]}}", 0);
        assertTrue(refused(s).contains("tensor 'w'") && refused(s).contains("overflows"));
        writeSafetensors(
                s, "{\"w\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 0]}}", 0);
        assertTrue(refused(s).contains("overflows"), refused(s));
        // 2^64 + 1 read as a long would wrap to 1
        writeSafetensors(
                s, "{\"w\": {\"dtype\": \"F32\", \"shape\": [18446744073709551617], \"data_offsets\": [0, 4]}}", 4);
        assertTrue(refused(s).contains("expected an integer of 64 bits"), refused(s));
        assertThrows(IllegalArgumentException.class, () -> TensorData.byteSize(TensorDType.F32, new long[] {1L << 62}));
    }

    @Test
    void zipEntriesAreReadOnlyUpToTheirDeclaredSize() throws IOException {
        // the storage inflates to 4 MiB but the central directory says 4 bytes (what the pickle needs)
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", oneTensor("w", 1, 0, new long[] {1}, new long[] {1}));
        entries.put("archive/data/0", floats(1 << 20));
        Path f = tmp.resolve("bomb.pth");
        Files.write(f, HostileFiles.lieAboutSize(HostileFiles.zip(entries), "archive/data/0", 4));
        long before = allocated();
        String m = refused(f);
        assertTrue(m.contains("archive/data/0") && m.contains("more than the 4 bytes it declares"), m);
        assertTrue(allocated() - before < (2L << 20), "allocated " + (allocated() - before) + " bytes");

        // the pickle itself
        Files.write(
                f,
                HostileFiles.lieAboutSize(
                        HostileFiles.zip(Map.of(
                                "archive/data.pkl",
                                new Pickle().repeat("N0", 1 << 20).stop())),
                        "archive/data.pkl",
                        16));
        assertTrue(refused(f).contains("entry archive/data.pkl holds more than the 16 bytes it declares"), refused(f));
    }

    @Test
    void aListThatContainsItselfIsAFormatError() throws IOException {
        // {'x': L} with L = [L]
        Path f = tmp.resolve("cycle.pth");
        writePth(
                f,
                new Pickle()
                        .op('}')
                        .str("x")
                        .op(']')
                        .put(0)
                        .get(0)
                        .op('a')
                        .op('s')
                        .stop(),
                Map.of());
        assertTrue(refused(f).contains("at 'x.0' contains itself"), refused(f));
    }

    @Test
    void aCyclicTupleUsedAsKeyIsAFormatError() throws IOException {
        // L = []; T = (L,); L.append(T); d[T] = 1: hashing T would recurse forever
        byte[] code = new Pickle()
                .op('}')
                .op(']')
                .put(0)
                .op('0')
                .get(0)
                .get(0)
                .op(0x85)
                .put(1)
                .op('a')
                .op('0')
                .get(1)
                .integer(1)
                .op('s')
                .stop();
        Path f = tmp.resolve("cyclic_key.pth");
        writePth(f, code, Map.of());
        assertTrue(refused(f).contains("unhashable dict key of type ArrayList (inside a tuple)"), refused(f));
    }

    @Test
    void deeplyNestedContainersAndKeysAreFormatErrors() throws IOException {
        int depth = 100_000;
        Path f = tmp.resolve("deep.pth");
        writePth(
                f,
                new Pickle()
                        .op('}')
                        .str("x")
                        .repeat("]", depth)
                        .repeat("a", depth - 1)
                        .op('s')
                        .stop(),
                Map.of());
        assertTrue(refused(f).contains("nested deeper than " + PthReader.MAX_NESTING), refused(f));

        // ((((),),),...) as a key: one byte per level
        writePth(
                f,
                new Pickle()
                        .op('}')
                        .op(')')
                        .repeat("\u0085", depth)
                        .integer(1)
                        .op('s')
                        .stop(),
                Map.of());
        assertTrue(refused(f).contains("nested deeper than " + PickleValues.MAX_KEY_DEPTH), refused(f));
    }

    @Test
    void exponentiallySharedContainersAreRefusedQuickly() throws IOException {
        // L0 = []; Lk = [Lk-1, Lk-1]: 2^60 paths through 61 lists
        Pickle p = new Pickle().op('}').str("x").op(']').put(0).op('0');
        for (int k = 1; k <= 60; k++) {
            p.op('(').get(k - 1).get(k - 1).op('l').put(k).op('0');
        }
        Path f = tmp.resolve("laughs.pth");
        writePth(f, p.get(60).op('s').stop(), Map.of());
        assertTrue(refused(f).contains("the state dict's names"), refused(f));

        // T0 = (); Tk = (Tk-1, Tk-1) as a key: hashing it would take 2^60 steps
        Pickle q = new Pickle().op('}').op(')').put(0).op('0');
        for (int k = 1; k <= 60; k++) {
            q.get(k - 1).get(k - 1).op(0x86).put(k).op('0');
        }
        writePth(f, q.get(60).integer(1).op('s').stop(), Map.of());
        assertTrue(refused(f).contains("dict key holds more than " + PickleValues.MAX_KEY_VALUES), refused(f));
    }

    @Test
    void errorMessagesAboutCyclicValuesStayShort() throws IOException {
        // a persistent id L = [(L,)]: printing it in the error would recurse forever
        byte[] code = new Pickle()
                .op(']')
                .put(0)
                .op('0')
                .get(0)
                .get(0)
                .op(0x85)
                .op('a')
                .op('Q')
                .stop();
        Path f = tmp.resolve("cyclic_pid.pth");
        writePth(f, code, Map.of());
        String m = refused(f);
        assertTrue(m.contains("unsupported persistent id [([([") && m.length() < 500, m);
    }

    @Test
    void safetensorsOverlapHiddenBehindAnEmptyTensorIsFound() throws IOException {
        // sorted by begin: a [0, 400), b [200, 200) empty, c [300, 400): c overlaps a, not b
        Path f = tmp.resolve("overlap.safetensors");
        writeSafetensors(
                f,
                "{\"a\": {\"dtype\": \"F32\", \"shape\": [100], \"data_offsets\": [0, 400]},"
                        + " \"b\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [200, 200]},"
                        + " \"c\": {\"dtype\": \"F32\", \"shape\": [25], \"data_offsets\": [300, 400]}}",
                400);
        assertTrue(refused(f).contains("tensors 'a' and 'c' overlap"), refused(f));
    }

    @Test
    void safetensorsRangesAreAllCheckedBeforeAnyTensorIsRead() throws IOException {
        // 'a' is a valid 8 MiB tensor; 'b' lies outside the file
        Path f = tmp.resolve("late.safetensors");
        int n = 2 << 20;
        writeSafetensors(
                f,
                "{\"a\": {\"dtype\": \"F32\", \"shape\": [" + n + "], \"data_offsets\": [0, " + 4 * n + "]},"
                        + " \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [" + 4 * n + ", "
                        + (4 * n + 4) + "]}}",
                4 * n);
        long before = allocated();
        String m = refused(f);
        assertTrue(m.contains("tensor 'b'") && m.contains("outside the data section"), m);
        assertTrue(allocated() - before < (4L << 20), "allocated " + (allocated() - before) + " bytes");
    }

    @Test
    void safetensorsHeaderNestedDeeplyIsAFormatError() throws IOException {
        // a shape of 100000 nested lists: neither parsing nor the error message may recurse into it
        Path f = tmp.resolve("deep.safetensors");
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        writeSafetensors(f, "{\"a\": {\"dtype\": \"F32\", \"shape\": " + deep + ", \"data_offsets\": [0, 0]}}", 0);
        assertTrue(refused(f).contains("tensor 'a': 'shape' holds a JSON list"), refused(f));
        writeSafetensors(f, "{\"__metadata__\": {\"k\": " + deep + "}}", 0);
        assertTrue(refused(f).contains("'__metadata__.k' must be a string"), refused(f));
    }

    @Test
    void filesTorchSaveWroteNeedAboutTwiceTheirSize() throws IOException {
        // what the default budget (4x the file + 64 MiB) leaves room for: the storages and one copy each
        for (String name : List.of(
                "resnext_tiny.pth",
                "resnet_tiny.pth",
                "resnext_tiny.safetensors",
                "nested_checkpoint.pth",
                "protocol4.pth",
                "views.pth")) {
            Path f = Fixtures.path(name);
            ReadBudget budget = ReadBudget.of(f, Long.MAX_VALUE);
            long before = allocated();
            StateDict.read(f, budget);
            long used = allocated() - before;
            assertTrue(budget.used() <= 2 * Files.size(f) + (1 << 20), name + ": counted " + budget.used());
            // the count covers what was allocated, up to a fixed overhead (zip directory, buffers)
            assertTrue(used <= budget.used() + (4 << 20), name + ": allocated " + used + ", counted " + budget.used());
        }
    }

    @Test
    void theBudgetOverrideReplacesTheDefault() throws IOException {
        Path f = Fixtures.path("views.pth");
        assertEquals(16L << 30, ReadBudget.parseBytes("16g", "x"));
        assertEquals(1536, ReadBudget.parseBytes(" 1536 ", "x"));
        assertEquals(2L << 20, ReadBudget.parseBytes("2M", "x"));
        long size = Files.size(f);
        assertEquals(
                ReadBudget.BASE + 4 * size + 2 * 1000,
                ReadBudget.forFile(f, size, 1000).limit());
        String old = System.getProperty(ReadBudget.PROPERTY);
        try {
            System.setProperty(ReadBudget.PROPERTY, "1k");
            String m = refused(f);
            assertTrue(m.contains("budget of 1024 bytes") && m.contains("-D" + ReadBudget.PROPERTY), m);
            System.setProperty(ReadBudget.PROPERTY, "lots");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateDict.read(f));
            assertTrue(e.getMessage().contains(ReadBudget.PROPERTY)
                    && e.getMessage().contains("'lots'"));
            System.setProperty(ReadBudget.PROPERTY, "64m");
            assertEquals(12, StateDict.read(f).size());
        } finally {
            if (old == null) {
                System.clearProperty(ReadBudget.PROPERTY);
            } else {
                System.setProperty(ReadBudget.PROPERTY, old);
            }
        }
    }
}
