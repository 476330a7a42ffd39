package org.cardinal.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class WholeLinesTest {

    private static final String NL = System.lineSeparator();
    /** What {@link #print} prints, line by line. */
    private static final List<String> LINES = List.of(
            "spark-detect: stopped by SIGTERM after 3 of 4000 images" + NL,
            "SIGTERM: stopping × 2" + NL,
            "an object" + NL,
            "5%" + NL);

    /** Each write that reaches it, as the file descriptor below System.err would see it. */
    private static final class Writes extends OutputStream {
        final List<String> seen = new ArrayList<>();

        @Override
        public void write(int b) {
            seen.add(String.valueOf((char) b));
        }

        @Override
        public void write(byte[] b, int off, int len) {
            seen.add(new String(Arrays.copyOfRange(b, off, off + len), StandardCharsets.UTF_8));
        }
    }

    private static void print(PrintStream s) {
        s.printf(Locale.ROOT, "spark-detect: stopped by %s after %d of %d images%n", "SIGTERM", 3, 4000);
        s.println("SIGTERM: stopping × 2");
        s.println((Object) "an object");
        s.format("%d%%%n", 5);
    }

    @Test
    void everyCallIsOneWrite() {
        Writes fd = new Writes();
        PrintStream stderr = new PrintStream(fd, true, StandardCharsets.UTF_8);
        print(WholeLines.over(stderr, StandardCharsets.UTF_8));
        assertEquals(LINES, fd.seen);
    }

    @Test
    void aPlainPrintStreamWritesTheSameInPieces() {
        Writes fd = new Writes();
        print(new PrintStream(fd, true, StandardCharsets.UTF_8));
        assertTrue(fd.seen.size() > 4, fd.seen.toString());
        assertEquals(String.join("", LINES), String.join("", fd.seen), "the same text, in more writes");
    }

    @Test
    void wrappingTwiceChangesNothing() {
        PrintStream once = WholeLines.over(System.err, StandardCharsets.UTF_8);
        assertSame(once, WholeLines.over(once, StandardCharsets.UTF_8));
    }
}
