package org.cardinal.backbone.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The .pth reader against files written by torch.save (make_fixtures.py), hostile ones included. */
class PthReaderTest {
    /** Files a payload would create if it ever ran (see make_fixtures.py, hostile()). */
    private static final List<String> MARKERS = List.of("os_system", "eval", "popen", "stack_global", "os_literal");

    @BeforeAll
    static void removeStaleMarkers() throws IOException {
        for (String m : MARKERS) {
            Files.deleteIfExists(Path.of("/tmp/cardinal_pwned_" + m));
        }
    }

    @Test
    void viewsOffsetsSharedStoragesAndDtypesMatchTorch() throws IOException {
        StateDict pth = StateDict.read(Fixtures.path("views.pth"));
        StateDict expected = StateDict.read(Fixtures.path("views_expected.safetensors"));
        assertEquals(expected.keys(), pth.keys());
        for (String k : expected.keys()) {
            assertEquals(expected.get(k), pth.get(k), "tensor " + k);
        }
        // the stride-0 expanded column repeats one value per row
        float[] e = pth.get("expanded").toFloatArray();
        assertEquals(e[0], e[3]);
        assertEquals(e[4], e[7]);
    }

    @Test
    void modelStateDictReadsInTorchOrderWithSafetensorsValues() throws IOException {
        StateDict pth = StateDict.read(Fixtures.path("resnext_tiny.pth"));
        StateDict st = StateDict.read(Fixtures.path("resnext_tiny.safetensors"));
        assertEquals("conv1.weight", pth.names().get(0));
        assertEquals("fc.bias", pth.names().get(pth.size() - 1));
        assertEquals(st.size(), pth.size());
        for (String k : st.keys()) {
            assertEquals(st.get(k), pth.get(k), k);
        }
        assertEquals(TensorDType.I64, pth.get("bn1.num_batches_tracked").dtype());
        assertArrayEquals(new long[] {}, pth.get("bn1.num_batches_tracked").shape());
        assertEquals(3f, pth.get("bn1.num_batches_tracked").toFloatArray()[0]);
    }

    @Test
    void readsProtocol4AndUnwrapsNestedCheckpoints() throws IOException {
        StateDict full = StateDict.read(Fixtures.path("resnet_tiny.pth"));
        for (String f : new String[] {"protocol4.pth", "nested_checkpoint.pth"}) {
            StateDict part = StateDict.read(Fixtures.path(f));
            assertEquals(full.names().subList(0, 6), part.names(), f);
            for (String k : part.keys()) {
                assertEquals(full.get(k), part.get(k), f + " " + k);
            }
        }
    }

    @Test
    void legacyFormatIsRefusedWithReSaveHint() {
        Path f = Fixtures.path("legacy.pth");
        IOException e = assertThrows(WeightsFormatException.class, () -> StateDict.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("_use_new_zipfile_serialization=True"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "hostile_os_system.pth, posix.system",
        "hostile_builtins_eval.pth, __builtin__.eval", // protocol 2 writes Python 2 module names
        "hostile_subprocess_popen.pth, subprocess.Popen",
        "hostile_stack_global.pth, posix.system",
        "hostile_os_system_literal.pth, os.system",
    })
    void hostileGlobalsAreRefusedAndNothingRuns(String file, String global) throws IOException {
        Path f = Fixtures.path(file);
        IOException e = assertThrows(WeightsFormatException.class, () -> StateDict.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("refusing pickle global '" + global + "'"), e.getMessage());
        for (String m : MARKERS) {
            assertFalse(Files.exists(Path.of("/tmp/cardinal_pwned_" + m)), "payload " + m + " ran");
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "hostile_truncated.pth | corrupt or truncated zip",
                "hostile_short_storage.pth | storage '0'",
                "hostile_view_past_storage.pth | storage too short",
            })
    void corruptFilesGiveClearErrors(String file, String expected) {
        Path f = Fixtures.path(file);
        IOException e = assertThrows(WeightsFormatException.class, () -> StateDict.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void nonCheckpointFilesAreRefused(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("notes.pth");
        Files.writeString(f, "hello, I am not a checkpoint");
        IOException e = assertThrows(WeightsFormatException.class, () -> StateDict.read(f));
        assertTrue(e.getMessage().contains("not a PyTorch zip checkpoint"), e.getMessage());
    }
}
