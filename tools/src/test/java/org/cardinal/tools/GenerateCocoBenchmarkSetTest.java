package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.cardinal.core.cli.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateCocoBenchmarkSetTest {

    private static String fails(String... argv) {
        return assertThrows(
                        IllegalArgumentException.class,
                        () -> GenerateCocoBenchmarkSet.run(Cli.options(new GenerateCocoBenchmarkSet.Options(), argv)))
                .getMessage();
    }

    @Test
    void writesBothFilesAndNothingElse(@TempDir Path dir) throws Exception {
        GenerateCocoBenchmarkSet.run(Cli.options(
                new GenerateCocoBenchmarkSet.Options(), new String[] {"--output", dir.toString(), "--images", "3"}));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(
                    List.of("dt.json", "gt.json"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void badOptionsAreOneLineErrors(@TempDir Path dir) {
        String out = dir.toString();
        assertEquals(
                "Invalid value for option '--images': 'many' is not an int (see --help)",
                fails("--output", out, "--images", "many"));
        assertEquals(
                "Missing required parameter for option '--seed' (N) (see --help)", fails("--output", out, "--seed"));
        assertEquals("Unknown options: '--imgs', '3' (see --help)", fails("--output", out, "--imgs", "3"));
        assertEquals("Missing required option: '--output=DIR' (see --help)", fails("--images", "3"));
    }
}
