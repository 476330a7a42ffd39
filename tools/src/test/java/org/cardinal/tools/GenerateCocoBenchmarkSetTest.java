package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.cardinal.core.cli.Args;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateCocoBenchmarkSetTest {

    private static String fails(String... argv) {
        return assertThrows(IllegalArgumentException.class, () -> GenerateCocoBenchmarkSet.run(Args.parse(argv)))
                .getMessage();
    }

    @Test
    void writesBothFilesAndNothingElse(@TempDir Path dir) throws Exception {
        GenerateCocoBenchmarkSet.run(Args.parse(new String[] {"--output", dir.toString(), "--images", "3"}));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(
                    List.of("dt.json", "gt.json"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void badOptionsAreOneLineErrors(@TempDir Path dir) {
        String out = dir.toString();
        assertEquals("--images: expected an integer, found 'many'", fails("--output", out, "--images", "many"));
        assertEquals("--seed needs a value", fails("--output", out, "--seed"));
        assertEquals("unknown option --imgs (see --help)", fails("--output", out, "--imgs", "3"));
        assertEquals("missing required option --output", fails("--images", "3"));
    }
}
