package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.cardinal.core.cli.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tools/coco-eval on the shared pycocotools "basic" case (from coco-eval): summary, JSON output, errors. */
class CocoEvalCommandTest {
    @TempDir
    Path dir;

    /** A case of coco-eval's test resources: Maven runs these tests in tools/, beside coco-eval/. */
    private static Path sharedCase(String name) {
        Path c = Path.of("")
                .toAbsolutePath()
                .resolveSibling("coco-eval")
                .resolve("src/test/resources/org/cardinal/coco/reference-cases")
                .resolve(name);
        if (!Files.isDirectory(c)) {
            throw new IllegalStateException(c + " not found (run the tests from the tools module folder)");
        }
        return c;
    }

    @Test
    void writesPycocotoolsNumbersAsJsonAndPrintsTheSummary() throws Exception {
        Path basic = sharedCase("basic");
        Path out = dir.resolve("sub/result.json");
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            CocoEvalCommand.run(Cli.options(new CocoEvalCommand.Options(), new String[] {
                "--gt",
                basic.resolve("gt.json").toString(),
                "--dt",
                basic.resolve("dt.json").toString(),
                "--json",
                out.toString(),
                "--per-category"
            }));
        } finally {
            System.setOut(stdout);
        }
        JsonObject expected = JsonParser.parseString(Files.readString(basic.resolve("expected.json")))
                .getAsJsonObject();
        JsonObject got = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
        for (int i = 0; i < 12; i++) {
            assertEquals(
                    expected.getAsJsonArray("stats").get(i).getAsDouble(),
                    got.getAsJsonArray("stats").get(i).getAsDouble(),
                    1e-9,
                    "stats[" + i + "]");
        }
        for (String id : expected.getAsJsonObject("per_category_ap").keySet()) {
            assertEquals(
                    expected.getAsJsonObject("per_category_ap").get(id).getAsDouble(),
                    got.getAsJsonObject("per_category_ap").get(id).getAsDouble(),
                    1e-9,
                    "category " + id);
        }
        try (Stream<Path> files = Files.list(out.getParent())) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        assertTrue(
                text.startsWith(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.236\n"),
                text);
        assertTrue(text.contains("AP per category"), text);
    }

    @Test
    void badInputIsOneLineNamingTheFile() throws Exception {
        Path basic = sharedCase("basic");
        Path dt = dir.resolve("dt.json");
        Files.writeString(dt, "[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 3], \"score\": 0.5}]");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> CocoEvalCommand.run(Cli.options(
                        new CocoEvalCommand.Options(),
                        new String[] {"--gt", basic.resolve("gt.json").toString(), "--dt", dt.toString()})));
        assertEquals(dt + ": results[0].bbox: expected 4 numbers [x, y, width, height], found 3", e.getMessage());
        IllegalArgumentException option = assertThrows(
                IllegalArgumentException.class,
                () -> CocoEvalCommand.run(Cli.options(
                        new CocoEvalCommand.Options(), new String[] {"--gt", "a", "--dt", "b", "--area-rng", "all"})));
        assertEquals("--area-rng: expected label=lo:hi, got 'all'", option.getMessage());
    }
}
