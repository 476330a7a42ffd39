package org.cardinal.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.cardinal.core.train.StoppedException;
import org.junit.jupiter.api.Test;

class CliTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
    private final PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);

    private int execute(Cli.Action action) {
        return Cli.execute(outStream, errStream, action);
    }

    @Test
    void exitCodesFollowThePolicy() {
        assertEquals(0, execute(() -> {}));
        assertEquals(2, execute(() -> {
            throw new IllegalArgumentException("--x: bad\nsecond line");
        }));
        assertEquals("error: --x: bad\n", err.toString(StandardCharsets.UTF_8), "one line");
        // checked exceptions and errors that no library declares (Spark's) are internal errors
        assertEquals(1, execute(() -> {
            throw new Exception("checked");
        }));
        assertEquals(1, execute(() -> {
            throw new AssertionError("an error");
        }));
        assertEquals(7, execute(() -> {
            throw new Cli.Exit(7, "own code");
        }));
    }

    @Test
    void outOfMemoryNamesTheHeapLimitAndHowToRaiseIt() {
        assertEquals(1, execute(() -> {
            throw new OutOfMemoryError("Java heap space");
        }));
        String line = err.toString(StandardCharsets.UTF_8);
        assertTrue(
                line.matches("error: out of memory: Java heap space \\(the Java heap is at most \\d+ MiB: give it more"
                        + " with CARDINAL_HEAP, e.g. CARDINAL_HEAP=8g\\)\n"),
                line);
    }

    @Test
    void workCutShortByAStopExitsWith143AndSaysWhatWasCutShort() {
        assertEquals(143, execute(() -> {
            throw new StoppedException("stopped by SIGTERM after iteration 4 (continue with the command above)");
        }));
        assertEquals(
                "stopped by SIGTERM after iteration 4 (continue with the command above)\n",
                err.toString(StandardCharsets.UTF_8),
                "one line, not an error");
    }

    @Test
    void debugIsOnForAnythingButUnsetEmptyOrZero() {
        assertFalse(Cli.debug(null));
        assertFalse(Cli.debug(""));
        assertFalse(Cli.debug("0"));
        assertTrue(Cli.debug("1"));
        assertTrue(Cli.debug("yes"));
    }
}
