package org.cardinal.detector.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    @Test
    void metricsLogKeepsTheLaterLineOfARepeatedIterationAndToleratesACutLastLine(@TempDir Path dir)
            throws IOException {
        Path f = dir.resolve("metrics.jsonl");
        Files.writeString(f, String.join("\n",
                "{\"type\":\"train\",\"iteration\":10,\"lr\":0.01,\"loss\":2.0,\"losses\":{\"a\":1.5,\"b\":0.5},"
                        + "\"images_per_s\":3.0,\"time_s\":5}",
                "{\"type\":\"train\",\"iteration\":20,\"lr\":0.02,\"loss\":1.0,\"losses\":{\"a\":0.7,\"b\":0.3},"
                        + "\"images_per_s\":3.0,\"time_s\":9}",
                "{\"type\":\"eval\",\"iteration\":20,\"stats\":[0.1,0.3,0.05,0,0,0,0,0,0,0,0,0],"
                        + "\"per_category_ap\":{\"1\":0.2,\"2\":-1}}",
                // resumed run repeats iteration 20
                "{\"type\":\"train\",\"iteration\":20,\"lr\":0.02,\"loss\":0.9,\"losses\":{\"a\":0.6,\"b\":0.3},"
                        + "\"images_per_s\":3.0,\"time_s\":9}",
                "{\"type\":\"train\",\"iter"));
        MetricsLog log = MetricsLog.read(f);
        assertEquals(2, log.train().size());
        assertEquals(0.9, log.train().get(1).loss());
        assertEquals(List.of("a", "b"), log.lossNames());
        assertEquals(0.3, log.lastEval().ap50());
        assertEquals(-1.0, log.lastEval().perCategoryAp().get(2));
        assertArrayEquals(new double[] {1.45, 1.45}, log.smoothedLoss(3), 1e-12);
    }

    @Test
    void corruptLineInTheMiddleIsAnErrorNamingFileAndLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("metrics.jsonl");
        Files.writeString(f, "{\"type\":\"train\"\nnot json\n{}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetricsLog.read(f));
        assertTrue(e.getMessage().contains("metrics.jsonl") && e.getMessage().contains("line 1"), e.getMessage());
    }

    @Test
    void comparisonReportIsSelfContainedAndHoldsTheNumbers(@TempDir Path dir) throws IOException {
        List<ComparisonReport.Entry> entries = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            Path f = dir.resolve("m" + k + ".jsonl");
            StringBuilder b = new StringBuilder();
            for (int i = 1; i <= 40; i++) {
                b.append("{\"type\":\"train\",\"iteration\":").append(i * 5).append(",\"lr\":0.02,\"loss\":")
                        .append(3.0 / i + k * 0.1).append(",\"losses\":{},\"images_per_s\":2,\"time_s\":").append(i)
                        .append("}\n");
            }
            b.append("{\"type\":\"eval\",\"iteration\":200,\"stats\":[0.31,0.62,0.3,0.1,0.4,0.5,0,0,0,0,0,0]}\n");
            Files.writeString(f, b);
            Map<String, Double> perCat = new LinkedHashMap<>();
            perCat.put("circle", 0.5 + k * 0.1);
            perCat.put("ring", -1.0);
            entries.add(new ComparisonReport.Entry(k == 0 ? "resnet_a" : "resnext_b", "bottleneck [1,1,1,1]",
                    1_234_567, 0.42, 2_000_000, new double[] {0.31 + k * 0.01, 0.62, 0.3, 0.1, 0.4, 0.5, 0, 0, 0, 0, 0, 0},
                    perCat, 125, 3.5, MetricsLog.read(f)));
        }
        Path html = ComparisonReport.write(dir.resolve("report"),
                new ComparisonReport.Setup("Backbone swap", "synthetic", "200 iterations", "CPU", 224), entries);
        String h = Files.readString(html);
        String md = Files.readString(dir.resolve("report/report.md"));
        for (String s : new String[] {h, md}) {
            assertTrue(s.contains("resnext_b") && s.contains("62.0") && s.contains("32.0") && s.contains("1.23M"), s);
            assertTrue(s.contains("2m05s"));
            assertTrue(s.contains("49.7") && s.contains("27.5"), "paper numbers");
        }
        // per-category rows: circle is 50% and 60%, ring undefined (-1) in both
        assertTrue(md.contains("| circle | 50.0 | 60.0 |\n") && md.contains("| ring | - | - |\n"), md);
        assertTrue(h.contains("<tr><td>circle</td><td class=\"num\">50.0</td><td class=\"num best\">60.0</td></tr>")
                && h.contains("<tr><td>ring</td><td class=\"num\">-</td><td class=\"num\">-</td></tr>"), h);
        // self-contained: every image is a data URI, nothing is fetched
        Matcher m = Pattern.compile("(src|href)=\"([^\"]*)\"").matcher(h);
        int images = 0;
        while (m.find()) {
            assertTrue(m.group(2).startsWith("data:image/png;base64,"), m.group(2));
            images++;
        }
        assertEquals(2, images);
        assertFalse(h.contains("<link") || h.contains("<script"));
        assertTrue(Files.size(dir.resolve("report/loss.png")) > 1000);
    }
}
