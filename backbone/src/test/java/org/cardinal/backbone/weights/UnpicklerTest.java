package org.cardinal.backbone.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pickle machine on hand-assembled programs: values, and every way to ask it to run code. */
class UnpicklerTest {
    private static final Path FILE = Path.of("test.pth");

    /** Allows nothing; records what was asked for. */
    private static final class Refusing implements Unpickler.Resolver {
        final List<String> asked = new ArrayList<>();

        @Override
        public Object global(String module, String name) throws WeightsFormatException {
            asked.add(module + "." + name);
            throw new WeightsFormatException(FILE, "refusing pickle global '" + module + "." + name + "'");
        }

        @Override
        public Object persistentLoad(Object pid) throws WeightsFormatException {
            throw new WeightsFormatException(FILE, "no persistent ids here");
        }
    }

    private static Object run(String hex) throws WeightsFormatException {
        return Unpickler.load(bytes(hex), FILE, "data.pkl", new Refusing());
    }

    private static byte[] bytes(String s) {
        // "\xNN" escapes for binary, everything else literal ASCII
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\' && s.charAt(i + 1) == 'x') {
                out.write(Integer.parseInt(s.substring(i + 2, i + 4), 16));
                i += 3;
            } else {
                out.write(s.charAt(i));
            }
        }
        return out.toByteArray();
    }

    @Test
    void buildsPlainValues() throws WeightsFormatException {
        // {'a': [1, 300, -2, 3.5, True, None], 'b': (u'x', 70000), 'c': <memo 1: the same list>}, protocol 2
        Object v = run("\\x80\\x02}q\\x00(X\\x01\\x00\\x00\\x00a]q\\x01(K\\x01M\\x2c\\x01J\\xfe\\xff\\xff\\xff"
                + "G\\x40\\x0c\\x00\\x00\\x00\\x00\\x00\\x00\\x88NeX\\x01\\x00\\x00\\x00b"
                + "X\\x01\\x00\\x00\\x00x\\x8a\\x03\\x70\\x11\\x01\\x86X\\x01\\x00\\x00\\x00ch\\x01u.");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of(1L, 300L, -2L, 3.5, true), ((List<?>) m.get("a")).subList(0, 5));
        assertEquals(null, ((List<?>) m.get("a")).get(5));
        Unpickler.Tuple b = (Unpickler.Tuple) m.get("b");
        assertEquals("x", b.get(0));
        assertEquals(70000L, b.get(1));
        assertTrue(m.get("c") == m.get("a"), "BINGET returns the memoized object itself");
    }

    @Test
    void everyGlobalGoesThroughTheResolver() {
        Refusing r = new Refusing();
        byte[] code =
                "\u0080\u0002cos\nsystem\nX\u0002\u0000\u0000\u0000ls\u0085R.".getBytes(StandardCharsets.ISO_8859_1);
        WeightsFormatException e =
                assertThrows(WeightsFormatException.class, () -> Unpickler.load(code, FILE, "data.pkl", r));
        assertEquals(List.of("os.system"), r.asked);
        assertTrue(e.getMessage().contains("'os.system'"));
        // STACK_GLOBAL (protocol 4) is resolved the same way
        WeightsFormatException e2 = assertThrows(
                WeightsFormatException.class, () -> run("\\x80\\x04\\x8c\\x08builtins\\x8c\\x04exec\\x93)R."));
        assertTrue(e2.getMessage().contains("'builtins.exec'"), e2.getMessage());
    }

    @Test
    void refusesToCallOrBuildPlainValues() {
        // REDUCE on a string "callable"
        WeightsFormatException e =
                assertThrows(WeightsFormatException.class, () -> run("\\x80\\x02X\\x01\\x00\\x00\\x00f)R."));
        assertTrue(e.getMessage().contains("cannot call a String"), e.getMessage());
        // BUILD on a list
        e = assertThrows(WeightsFormatException.class, () -> run("\\x80\\x02]}b."));
        assertTrue(e.getMessage().contains("BUILD on a ArrayList"), e.getMessage());
    }

    @Test
    void malformedProgramsFailCleanly() {
        assertTrue(assertThrows(WeightsFormatException.class, () -> run("\\x80\\x02}X\\xff\\x00\\x00\\x00ab"))
                .getMessage()
                .contains("runs past the end"));
        assertTrue(assertThrows(WeightsFormatException.class, () -> run("\\x80\\x02h\\x05."))
                .getMessage()
                .contains("memo key 5"));
        assertTrue(assertThrows(WeightsFormatException.class, () -> run("\\x80\\x02\\xfe."))
                .getMessage()
                .contains("opcode 0xfe"));
        assertTrue(assertThrows(WeightsFormatException.class, () -> run("\\x80\\x02t."))
                .getMessage()
                .contains("no MARK"));
        assertTrue(assertThrows(WeightsFormatException.class, () -> run("\\x80\\x02}}."))
                .getMessage()
                .contains("2 values left"));
        assertTrue(assertThrows(WeightsFormatException.class, () -> run("\\x80\\x02"))
                .getMessage()
                .contains("truncated"));
    }
}
