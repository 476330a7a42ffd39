package org.cardinal.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The options policy of every tool: declared once, parsed by picocli, errors in one line. */
class ToolOptionsTest {

    @Command(name = "tools/x", description = "Does x.", footer = "Exit codes: 0 done.")
    static final class Options extends ToolOptions {
        @Option(names = "--config", paramLabel = "NAME", description = "the config")
        String config = "demo";

        @Option(names = "--data", paramLabel = "DIR", description = "the data")
        Path data;

        @Option(names = "--seed", paramLabel = "N", description = "the seed")
        Long seed;

        @Option(names = "--base-lr", paramLabel = "LR", description = "the learning rate")
        Double baseLr;

        @Option(names = "--device", paramLabel = "D", description = "the device")
        String device;

        @Option(names = "--output", paramLabel = "DIR", description = "the output")
        String output;

        @Option(names = "--resume", description = "go on")
        boolean resume;
    }

    private static IllegalArgumentException fails(String... argv) {
        return assertThrows(IllegalArgumentException.class, () -> Cli.options(new Options(), argv));
    }

    @Test
    void optionsAreFilledInAndTheOnesNotGivenStayNull() {
        Options o = Cli.options(new Options(), "--seed", "3", "--data=/d", "--resume");
        assertEquals(3L, o.seed);
        assertEquals(Path.of("/d"), o.data);
        assertTrue(o.resume);
        assertEquals("demo", o.config);
        assertNull(o.baseLr);
        assertFalse(Cli.options(new Options()).resume);
        assertEquals(-1L, Cli.options(new Options(), "--seed", "-1").seed, "a negative number is a value");
    }

    @Test
    void everyMistakeIsOneLineNamingTheOption() {
        assertTrue(fails("--epochs", "3").getMessage().contains("--epochs"), "a typo is never ignored");
        assertTrue(fails("--seed", "x").getMessage().contains("--seed"));
        assertTrue(fails("--seed", "1", "--seed", "2").getMessage().contains("--seed"), "given twice");
        assertTrue(fails("--seed").getMessage().contains("--seed"), "a value is missing");
        assertTrue(fails("--seed", "--resume").getMessage().contains("--seed"), "a value is missing");
        assertTrue(fails("stray").getMessage().contains("stray"));
        assertTrue(fails("-x").getMessage().contains("-x"));
        for (IllegalArgumentException e : new IllegalArgumentException[] {fails("--epochs"), fails("--seed", "x")}) {
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertTrue(e.getMessage().endsWith("(see --help)"), e.getMessage());
        }
        // "@file" is an argument, never a file of arguments to read
        assertEquals("@args.txt", Cli.options(new Options(), "--config", "@args.txt").config);
    }

    @Test
    void helpPrintsTheDeclaredOptionsWithoutRunningTheTool() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        for (String help : new String[] {"-h", "--help"}) {
            out.reset();
            assertEquals(0, Cli.execute(new Options(), new String[] {help}, o, o, options -> {
                throw new AssertionError("ran");
            }));
            String usage = out.toString(StandardCharsets.UTF_8);
            assertTrue(usage.startsWith("usage: tools/x "), usage);
            assertTrue(usage.contains("Does x.") && usage.contains("Exit codes: 0 done."), usage);
            assertTrue(usage.matches("(?s).*--base-lr=LR +the learning rate.*"), usage);
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(2, Cli.execute(new Options(), new String[] {"--epochs", "3"}, o, e, options -> {}));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("error: "), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void rerunGivesTheCommandBackQuotedAndChanged() {
        Options o = Cli.options(
                new Options(),
                "--config",
                "demo",
                "--data",
                "/data/my coco",
                "--base-lr=0.02",
                "--device",
                "gpu:0,1",
                "--output",
                "it's");
        assertEquals(
                "tools/x --config demo --data '/data/my coco' --base-lr 0.01 --device gpu:0,1"
                        + " --output 'it'\\''s' --resume",
                o.rerun().with("--base-lr", "0.01").with("--resume").toString());
        Options resumed = Cli.options(new Options(), "--resume", "--seed", "3");
        assertEquals(
                "tools/x --resume --seed 3",
                resumed.rerun().with("--resume").toString(),
                "a switch given already is not repeated");
        assertEquals("tools/x --seed 3", resumed.rerun().without("--resume").toString());
        assertEquals("''", Rerun.quote(""));
    }
}
