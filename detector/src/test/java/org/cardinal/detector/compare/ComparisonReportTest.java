package org.cardinal.detector.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cardinal.backbone.BackboneConfig;
import org.cardinal.detector.report.TrainingHistory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonReportTest {

    @TempDir
    Path dir;

    @Test
    void similarBackbonesPassTheComplexityCheck() {
        ComplexityCheck c = ComplexityCheck.of(
                List.of(BackboneConfig.named("resnet50"), BackboneConfig.named("resnext50_32x4d")), 224);
        // the paper's pair: 25.6 M / 4.09 GMACs against 25.0 M / 4.23
        assertTrue(c.similar(), c.toString());
        assertTrue(c.warnings().isEmpty());
        // without the classifier: 22,979,904 and 23,508,032 parameters
        assertEquals(22_979_904.0 / 23_508_032, c.rows().get(1).paramsRatio(), 1e-9);
    }

    @Test
    void backbonesOfDifferentSizeGetAWarningNamingBothAndTheRatios() {
        ComplexityCheck c = ComplexityCheck.of(
                List.of(
                        BackboneConfig.named("resnet50"),
                        BackboneConfig.named("resnext50_32x4d"),
                        BackboneConfig.named("resnet18")),
                224);
        assertFalse(c.similar());
        List<String> w = c.warnings();
        assertEquals(1, w.size(), w.toString());
        assertTrue(
                w.get(0)
                        .startsWith("resnet18 is not of similar complexity to resnet50: 0.48x its parameters "
                                + "(11.2M vs 23.5M) and 0.44x its GMACs at 224x224 (1.81 vs 4.09)"),
                w.get(0));
    }

    @Test
    void reportCarriesTheSameNumbersInBothFormatsAndStaysSelfContained() throws IOException {
        List<BackboneConfig> backbones = List.of(BackboneConfig.named("resnet50"), BackboneConfig.named("resnet18"));
        List<RunResult> results = new ArrayList<>();
        List<ComparisonReport.Curve> curves = new ArrayList<>();
        double[] ref = {0.30, 0.32, 0.31};
        double[] cand = {0.31, 0.34, 0.315};
        for (int k = 0; k < 3; k++) {
            for (int b = 0; b < 2; b++) {
                double ap = b == 0 ? ref[k] : cand[k];
                double[] stats = {ap, 0.6, 0.3, 0.1, 0.4, -1, 0, 0, 0, 0, 0, 0};
                results.add(new RunResult(
                        backbones.get(b).name(),
                        42 + k,
                        400,
                        stats,
                        List.of(new RunResult.CategoryAp("circle", ap), new RunResult.CategoryAp("ring", -1)),
                        8.5,
                        200,
                        0,
                        1_620_000,
                        new JsonObject()));
                curves.add(new ComparisonReport.Curve(backbones.get(b).name(), 42 + k, history(k + b)));
            }
        }
        Findings f = new Findings(List.of("resnet50", "resnet18"), results);
        ComparisonReport.Setup setup = new ComparisonReport.Setup(
                "Swap", "train.json -> val.json", "400 iterations", "CPU (2 cores)", "42, 43, 44", "random", 6, 6);
        Path html = ComparisonReport.write(
                dir, setup, ComplexityCheck.of(backbones, 224), fpnLateralsDiffer("resnet50", "resnet18"), f, curves);
        String h = Files.readString(html);
        String md = Files.readString(dir.resolve("report.md"));
        // differences 1, 2, 0.5 AP points: mean 1.17, 95% CI -0.73 to 3.06 (see PairedStatisticsTest)
        String verdict = "no difference detectable with 3 seeds at this budget: resnet18 minus resnet50 is +1.17 AP "
                + "(95% CI -0.73 to 3.06, 3 seeds), an interval that contains 0";
        for (String s : new String[] {h, md}) {
            assertTrue(s.contains(verdict), s);
            assertTrue(s.contains("31.0 ± 1.0") && s.contains("32.2 ± 1.6"), "mean ± std of AP");
            assertTrue(s.contains("-0.73 to 3.06") && s.contains("4.303"), "the interval and its t");
            assertTrue(s.contains("42: +1.00, 43: +2.00, 44: +0.50"), "per-seed differences");
            assertTrue(s.contains("not of similar complexity"), "the complexity warning");
            assertTrue(s.contains("49.7") && s.contains("27.5"), "the paper's numbers");
            assertTrue(s.contains("1.62M"), "detector params");
        }
        // the parts whose shapes follow the backbone's are named with their shapes, and the claim
        // of identical initial weights is made for the rest only
        for (String s : new String[] {h, md}) {
            assertFalse(s.contains("from the same initial weights in every part but the backbone, so"), s);
            assertTrue(s.contains("except the 4 parameter tensors listed in the warning above (FPN)"), s);
            assertTrue(
                    s.contains("backbone.fpn.inner_blocks.3.0.weight (FPN) starts from different weights, its shape "
                            + "following the backbone's: [256, 2048, 1, 1] in resnet50, [256, 512, 1, 1] in resnet18"),
                    s);
        }
        assertTrue(md.contains("> **Warning: Not every part but the backbone starts from the same weights.**"), md);
        // the warning comes before any result
        assertTrue(md.indexOf("not of similar complexity") < md.indexOf("## Verdict"));
        assertTrue(h.indexOf("class=\"warning\"") < h.indexOf("<h2>Verdict"));
        Matcher m = Pattern.compile("(src|href)=\"([^\"]*)\"").matcher(h);
        int images = 0;
        while (m.find()) {
            assertTrue(m.group(2).startsWith("data:image/png;base64,"), m.group(2));
            images++;
        }
        assertEquals(3, images, "differences, AP curves, loss curves");
        assertFalse(h.contains("<link") || h.contains("<script"));
        for (String png : new String[] {"differences.png", "ap.png", "loss.png"}) {
            assertTrue(Files.size(dir.resolve(png)) > 1000, png);
            assertTrue(md.contains("](" + png + ")"), png);
        }
    }

    /**
     * With three backbones the report gives every pair's paired difference: the two from the
     * reference and the one between the others, each with its interval (per-seed differences
     * worked out by hand below).
     */
    @Test
    void threeBackbonesGiveEveryPairsDifference() throws IOException {
        List<String> names = List.of("resnet50", "resnext50_32x4d", "resnet101");
        double[][] ap = {{0.30, 0.32, 0.31}, {0.31, 0.34, 0.315}, {0.33, 0.33, 0.33}};
        List<RunResult> results = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            for (int b = 0; b < 3; b++) {
                double[] stats = {ap[b][k], 0.6, 0.3, 0.1, 0.4, 0.2, 0, 0, 0, 0, 0, 0};
                results.add(new RunResult(names.get(b), 42 + k, 400, stats, List.of(), 8, 200, 0, 1, new JsonObject()));
            }
        }
        Findings f = new Findings(names, results);
        assertEquals(
                List.of(
                        List.of("resnext50_32x4d", "resnet50"),
                        List.of("resnet101", "resnet50"),
                        List.of("resnet101", "resnext50_32x4d")),
                f.pairs());
        // resnet101 - resnext50_32x4d: 33 - 31 = +2, 33 - 34 = -1, 33 - 31.5 = +1.5 AP points
        PairedStatistics.Difference d = f.difference("resnet101", "resnext50_32x4d", 0);
        assertEquals(3, d.n());
        assertEquals((2 - 1 + 1.5) / 3, d.mean(), 1e-9);
        assertArrayEquals(new double[] {2, -1, 1.5}, d.perSeed(), 1e-9);
        ComparisonReport.write(
                dir,
                new ComparisonReport.Setup("t", "d", "s", "cpu", "42, 43, 44", "random", 9, 9),
                ComplexityCheck.of(names.stream().map(BackboneConfig::named).toList(), 224),
                new SharedInitialization(names, List.of("rpn.head.conv.0.0.weight"), List.of()),
                f,
                List.of());
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("Paired differences, every pair (AP points)"), md);
        assertTrue(md.contains("resnext50_32x4d - resnet50") && md.contains("resnet101 - resnet50"), md);
        assertTrue(md.contains("resnet101 - resnext50_32x4d"), md);
        assertTrue(md.contains("42: +2.00, 43: -1.00, 44: +1.50"), "the third pair's per-seed differences");
    }

    @Test
    void partialReportSaysWhatItCovers() throws IOException {
        List<RunResult> one =
                List.of(new RunResult("resnet50", 1, 10, new double[12], List.of(), 1, 1, 0, 1, new JsonObject()));
        Findings f = new Findings(List.of("resnet50", "resnext50_32x4d"), one);
        ComparisonReport.write(
                dir,
                new ComparisonReport.Setup("t", "d", "s", "cpu", "1, 2", "random", 1, 4),
                ComplexityCheck.of(
                        List.of(BackboneConfig.named("resnet50"), BackboneConfig.named("resnext50_32x4d")), 224),
                new SharedInitialization(
                        List.of("resnet50", "resnext50_32x4d"),
                        List.of("backbone.fpn.inner_blocks.0.0.weight", "rpn.head.conv.0.0.weight"),
                        List.of()),
                f,
                List.of());
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("Runs: 1 of 4 finished"), md);
        assertTrue(md.contains("from the same initial weights in every part but the backbone, so"), md);
        assertTrue(md.contains("all 2 parameter tensors outside the backbone start bit-identical"), md);
        assertTrue(md.contains("resnext50_32x4d vs resnet50: no seed has finished for both yet"), md);
        assertFalse(md.contains("Warning"), "similar complexity: no warning");
    }

    /** ResNet-50's and ResNet-18's FPN: the lateral 1x1 convolutions take C2..C5 (torchvision's FPN). */
    private static SharedInitialization fpnLateralsDiffer(String a, String b) {
        int[] wide = {256, 512, 1024, 2048};
        int[] narrow = {64, 128, 256, 512};
        List<SharedInitialization.Differing> d = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            d.add(new SharedInitialization.Differing(
                    "backbone.fpn.inner_blocks." + i + ".0.weight",
                    List.of("[256, " + wide[i] + ", 1, 1]", "[256, " + narrow[i] + ", 1, 1]")));
        }
        return new SharedInitialization(List.of(a, b), List.of("backbone.fpn.inner_blocks.0.0.bias"), d);
    }

    private TrainingHistory history(int k) throws IOException {
        Path f = dir.resolve("m" + k + ".jsonl");
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= 40; i++) {
            b.append("{\"type\":\"train\",\"iteration\":")
                    .append(i * 10)
                    .append(",\"lr\":0.02,\"loss\":")
                    .append(3.0 / i + k * 0.1)
                    .append(",\"losses\":{},\"images_per_s\":2,\"time_s\":")
                    .append(i)
                    .append("}\n");
            if (i % 10 == 0) {
                b.append("{\"type\":\"eval\",\"iteration\":")
                        .append(i * 10)
                        .append(",\"stats\":[")
                        .append(0.05 * i / 10 + 0.01 * k)
                        .append(",0.5,0.3,0.1,0.4,0.5,0,0,0,0,0,0]}\n");
            }
        }
        Files.writeString(f, b);
        return TrainingHistory.read(f);
    }
}
