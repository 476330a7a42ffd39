package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.train.StopRequest;
import org.cardinal.detector.data.SyntheticCocoGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tools/compare-backbones} on backbones of different widths: {@code resnet_tiny} (basic
 * blocks, stages of 16, 32, 64, 128 channels) against {@code resnext_tiny} (bottlenecks, 64, 128,
 * 256, 512) in the demo's FPN detector (64 FPN channels). The FPN's lateral 1x1 convolutions map
 * each stage to the FPN width, so their weights are [64, C, 1, 1] and cannot start identical;
 * the console and the report say so by name and shape before and after training, and claim
 * identical initial weights for nothing else.
 */
class CompareBackbonesWidthsTest {

    @Test
    void consoleAndReportNameThePartsThatStartDifferently(@TempDir Path dir) throws Exception {
        Path data = new SyntheticCocoGenerator(
                        SyntheticCocoGenerator.Options.defaults().withImages(4, 2))
                .ensure(dir.resolve("data"));
        Path config = dir.resolve("widths.json");
        Files.writeString(config, """
                { "name": "widths", "base": "demo_tiny_fpn",
                  "overrides": { "model": { "min_size": 64, "max_size": 64 },
                                 "solver": { "ims_per_batch": 2 } },
                  "backbones": ["resnet_tiny", "resnext_tiny"] }
                """);
        String[] argv = {
            "--config",
            config.toString(),
            "--data",
            data.toString(),
            "--output",
            dir.resolve("cmp").toString(),
            "--max-iter",
            "1",
            "--seeds",
            "1",
            "--parallel",
            "1"
        };
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        CompareBackbones.run(Cli.options(new CompareBackbones.Options(), argv), out, System.err, new StopRequest());
        String console = text.toString(StandardCharsets.UTF_8);
        int[] narrow = {16, 32, 64, 128};
        int[] wide = {64, 128, 256, 512};
        String md = Files.readString(dir.resolve("cmp").resolve("report.md"));
        for (int i = 0; i < 4; i++) {
            String line = "backbone.fpn.inner_blocks." + i + ".0.weight (FPN) starts from different weights, its "
                    + "shape following the backbone's: [64, " + narrow[i] + ", 1, 1] in resnet_tiny, [64, "
                    + wide[i] + ", 1, 1] in resnext_tiny";
            // before training (the plan) and after (the summary)
            assertEquals(2, occurrences(console, "WARNING: " + line + "\n"), console);
            assertTrue(md.contains(line), md);
        }
        assertEquals(8, occurrences(console, " starts from different weights"), console);
        assertTrue(console.contains("initialization: "), console);
        assertTrue(console.contains("cannot, their shapes or initial ranges following the backbone's (FPN)"), console);
        assertFalse(md.contains("from the same initial weights in every part but the backbone, so"), md);
        assertTrue(md.contains("except the 4 parameter tensors listed in the warning above (FPN)"), md);
    }

    private static int occurrences(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
