package org.cardinal.detector.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.cardinal.core.train.LineChart;

/**
 * The backbone-swap report: the same detector trained with several backbones under one schedule,
 * laid out like the paper's COCO table, with per-category AP, overlaid loss and AP curves, and
 * the paper's published numbers beside it for reference.
 *
 * <p>Writes {@code report.md}, a self-contained {@code report.html} (inline CSS, PNGs embedded as
 * base64 data URIs, so it can be mailed or archived as one file), {@code loss.png} and
 * {@code ap.png} into the report folder; every file atomically.
 */
public final class ComparisonReport {

    /**
     * One trained detector.
     *
     * @param backbone backbone name (e.g. "resnext50_32x4d")
     * @param description backbone shape in the paper's terms (e.g. "bottleneck [3,4,6,3], 32x4d")
     * @param params backbone parameters (classification head excluded)
     * @param gmacs backbone multiply-adds in 1e9 at {@link Setup#macsInputSize()}
     * @param detectorParams parameters of the whole detector
     * @param stats the 12 COCO stats on the val split (pycocotools order)
     * @param perCategoryAp category name to AP@[.5:.95] (-1 where undefined)
     * @param trainSeconds wall time of training
     * @param imagesPerSecond training throughput
     * @param log the run's metrics log (curves)
     */
    public record Entry(String backbone, String description, long params, double gmacs, long detectorParams,
                        double[] stats, Map<String, Double> perCategoryAp, double trainSeconds,
                        double imagesPerSecond, TrainingHistory log) {}

    /**
     * What was compared.
     *
     * @param title report title
     * @param dataset dataset description (name, split sizes)
     * @param schedule solver description (iterations, batch, lr, seed)
     * @param device the device the runs used, e.g. "CPU (2 threads)"
     * @param macsInputSize the square input side at which GMACs were counted (224, as the paper's Table 1)
     */
    public record Setup(String title, String dataset, String schedule, String device, int macsInputSize) {}

    /** A row of the paper's published COCO results (Faster R-CNN, minival) and ImageNet complexity. */
    public record PaperRow(String backbone, String params, String gflops, String top1Error, String ap50, String ap) {}

    /** Xie et al., CVPR 2017: Table 1 (complexity), Table 3/4 (ImageNet-1K) and Table 9 (COCO minival). */
    public static final List<PaperRow> PAPER = List.of(
            new PaperRow("ResNet-50", "25.5M", "4.1", "23.9", "47.6", "26.5"),
            new PaperRow("ResNeXt-50 (32x4d)", "25.0M", "4.2", "22.2", "49.7", "27.5"),
            new PaperRow("ResNet-101", "44.5M", "7.8", "22.0", "51.1", "29.8"),
            new PaperRow("ResNeXt-101 (32x4d)", "44.2M", "8.0", "21.2", "51.9", "30.0"));

    private static final String[] STAT_NAMES = {"AP", "AP50", "AP75", "APs", "APm", "APl"};

    private ComparisonReport() {}

    /**
     * Writes the report folder.
     *
     * @return the HTML report file
     */
    public static Path write(Path dir, Setup setup, List<Entry> entries) throws IOException {
        Files.createDirectories(dir);
        LineChart loss = lossOverlay(entries);
        LineChart ap = apOverlay(entries);
        byte[] lossPng = loss.toPng();
        byte[] apPng = ap.toPng();
        writeAtomically(dir.resolve("loss.png"), lossPng);
        writeAtomically(dir.resolve("ap.png"), apPng);
        writeAtomically(dir.resolve("report.md"), markdown(setup, entries).getBytes(StandardCharsets.UTF_8));
        Path html = dir.resolve("report.html");
        writeAtomically(html, html(setup, entries, lossPng, apPng).getBytes(StandardCharsets.UTF_8));
        return html;
    }

    /** Overlaid smoothed total-loss curves, one per backbone. */
    public static LineChart lossOverlay(List<Entry> entries) {
        LineChart c = new LineChart("Training loss (moving average of " + TrainingCurves.SMOOTHING + " log points)",
                "iteration", "total loss").logY(true);
        for (Entry e : entries) {
            c.add(new LineChart.Series(e.backbone(), e.log().trainIterations(), e.log().smoothedLoss(TrainingCurves.SMOOTHING)));
        }
        return c;
    }

    /** Overlaid AP50 and AP curves, one pair per backbone. */
    public static LineChart apOverlay(List<Entry> entries) {
        LineChart c = new LineChart("COCO box AP on val", "iteration", "AP");
        for (int k = 0; k < entries.size(); k++) {
            Entry e = entries.get(k);
            double[] it = e.log().eval().stream().mapToDouble(TrainingHistory.EvalPoint::iteration).toArray();
            // one colour per backbone: solid AP50, dashed AP
            c.add(new LineChart.Series(e.backbone() + " AP50", it,
                    e.log().eval().stream().mapToDouble(TrainingHistory.EvalPoint::ap50).toArray(), k, false));
            c.add(new LineChart.Series(e.backbone() + " AP", it,
                    e.log().eval().stream().mapToDouble(TrainingHistory.EvalPoint::ap).toArray(), k, true));
        }
        return c;
    }

    /** The Markdown report. */
    static String markdown(Setup s, List<Entry> entries) {
        StringBuilder b = new StringBuilder();
        b.append("# ").append(s.title()).append("\n\n");
        b.append("- Dataset: ").append(s.dataset()).append('\n');
        b.append("- Schedule: ").append(s.schedule()).append('\n');
        b.append("- Device: ").append(s.device()).append("\n\n");
        b.append("## Results (COCO box metrics on val, in %)\n\n");
        b.append("| backbone | shape | params | GMACs@").append(s.macsInputSize())
                .append(" | detector params | AP50 | AP | AP75 | APs | APm | APl | train time | images/s |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Entry e : entries) {
            b.append("| ").append(e.backbone()).append(" | ").append(e.description())
                    .append(" | ").append(millions(e.params())).append(" | ").append(fmt2(e.gmacs()))
                    .append(" | ").append(millions(e.detectorParams()))
                    .append(" | ").append(pct(e.stats()[1])).append(" | ").append(pct(e.stats()[0]))
                    .append(" | ").append(pct(e.stats()[2])).append(" | ").append(pct(e.stats()[3]))
                    .append(" | ").append(pct(e.stats()[4])).append(" | ").append(pct(e.stats()[5]))
                    .append(" | ").append(duration(e.trainSeconds())).append(" | ")
                    .append(fmt2(e.imagesPerSecond())).append(" |\n");
        }
        b.append("\n## Per-category AP (IoU 0.50:0.95, in %)\n\n");
        List<String> cats = categories(entries);
        b.append("| category |");
        entries.forEach(e -> b.append(' ').append(e.backbone()).append(" |"));
        b.append("\n|---|");
        entries.forEach(e -> b.append("---:|"));
        b.append('\n');
        for (String c : cats) {
            b.append("| ").append(c).append(" |");
            for (Entry e : entries) {
                b.append(' ').append(pct(e.perCategoryAp().getOrDefault(c, -1.0))).append(" |");
            }
            b.append('\n');
        }
        b.append("\n## Curves\n\n![loss](loss.png)\n\n![AP](ap.png)\n\n");
        b.append("## The paper's numbers, for reference\n\n");
        b.append("Xie et al., *Aggregated Residual Transformations for Deep Neural Networks*, CVPR 2017: ")
                .append("ImageNet-1K complexity and top-1 error (224, single crop), and Faster R-CNN on COCO minival. ")
                .append("Full-size backbones pretrained on ImageNet; not comparable in absolute terms with a small ")
                .append("run, but the ordering is what a backbone swap should reproduce.\n\n");
        b.append("| backbone | params | GFLOPs | ImageNet top-1 err | COCO AP50 | COCO AP |\n");
        b.append("|---|---:|---:|---:|---:|---:|\n");
        for (PaperRow r : PAPER) {
            b.append("| ").append(r.backbone()).append(" | ").append(r.params()).append(" | ").append(r.gflops())
                    .append(" | ").append(r.top1Error()).append(" | ").append(r.ap50()).append(" | ")
                    .append(r.ap()).append(" |\n");
        }
        return b.toString();
    }

    /** The self-contained HTML report. */
    static String html(Setup s, List<Entry> entries, byte[] lossPng, byte[] apPng) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
                .append(esc(s.title())).append("</title>\n<style>\n")
                .append("body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;")
                .append("max-width:1100px;color:#222;padding:0 1em}\n")
                .append("h1{font-size:1.6em;border-bottom:2px solid #0072b2;padding-bottom:.3em}\n")
                .append("h2{font-size:1.2em;margin-top:1.8em;color:#0b4f7c}\n")
                .append("table{border-collapse:collapse;margin:.6em 0;font-size:.92em}\n")
                .append("th,td{border:1px solid #ccc;padding:.35em .6em}th{background:#eef4f9;text-align:center}\n")
                .append("td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
                .append("tr:nth-child(even) td{background:#fafafa}td.best{font-weight:bold;color:#005a8c}\n")
                .append("ul.setup{line-height:1.6}.figs{display:flex;flex-wrap:wrap;gap:1em}")
                .append(".figs img{max-width:100%;border:1px solid #ddd}\n")
                .append("p.note{color:#555;font-size:.9em;max-width:60em}\n")
                .append("</style></head><body>\n");
        b.append("<h1>").append(esc(s.title())).append("</h1>\n<ul class=\"setup\">\n")
                .append("<li><b>Dataset:</b> ").append(esc(s.dataset())).append("</li>\n")
                .append("<li><b>Schedule:</b> ").append(esc(s.schedule())).append("</li>\n")
                .append("<li><b>Device:</b> ").append(esc(s.device())).append("</li>\n</ul>\n");

        b.append("<h2>Results (COCO box metrics on val, %)</h2>\n<table>\n<tr><th>backbone</th><th>shape</th>")
                .append("<th>params</th><th>GMACs@").append(s.macsInputSize()).append("</th><th>detector params</th>");
        for (String n : new String[] {"AP50", "AP", "AP75", "APs", "APm", "APl"}) {
            b.append("<th>").append(n).append("</th>");
        }
        b.append("<th>train time</th><th>images/s</th></tr>\n");
        int[] order = {1, 0, 2, 3, 4, 5};
        for (Entry e : entries) {
            b.append("<tr><td>").append(esc(e.backbone())).append("</td><td>").append(esc(e.description()))
                    .append("</td><td class=\"num\">").append(millions(e.params()))
                    .append("</td><td class=\"num\">").append(fmt2(e.gmacs()))
                    .append("</td><td class=\"num\">").append(millions(e.detectorParams())).append("</td>");
            for (int k : order) {
                boolean best = isBest(entries, e, k);
                b.append("<td class=\"num").append(best ? " best" : "").append("\">").append(pct(e.stats()[k])).append("</td>");
            }
            b.append("<td class=\"num\">").append(duration(e.trainSeconds())).append("</td><td class=\"num\">")
                    .append(fmt2(e.imagesPerSecond())).append("</td></tr>\n");
        }
        b.append("</table>\n<p class=\"note\">params and GMACs: the backbone alone (no classifier), multiply-adds ")
                .append("of convolutions at ").append(s.macsInputSize()).append("&times;").append(s.macsInputSize())
                .append(" as in the paper's Table 1. Bold: best of the row's column.</p>\n");

        b.append("<h2>Per-category AP (IoU 0.50:0.95, %)</h2>\n<table>\n<tr><th>category</th>");
        entries.forEach(e -> b.append("<th>").append(esc(e.backbone())).append("</th>"));
        b.append("</tr>\n");
        for (String c : categories(entries)) {
            b.append("<tr><td>").append(esc(c)).append("</td>");
            double best = entries.stream().mapToDouble(e -> e.perCategoryAp().getOrDefault(c, -1.0)).max().orElse(-1);
            for (Entry e : entries) {
                double v = e.perCategoryAp().getOrDefault(c, -1.0);
                b.append("<td class=\"num").append(entries.size() > 1 && v == best && v >= 0 ? " best" : "")
                        .append("\">").append(pct(v)).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n");

        b.append("<h2>Curves</h2>\n<div class=\"figs\">\n")
                .append("<img alt=\"training loss\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(lossPng)).append("\">\n")
                .append("<img alt=\"AP curves\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(apPng)).append("\">\n</div>\n");

        b.append("<h2>The paper's numbers, for reference</h2>\n<p class=\"note\">Xie et al., <i>Aggregated Residual ")
                .append("Transformations for Deep Neural Networks</i>, CVPR 2017: ImageNet-1K complexity and top-1 ")
                .append("error (224, single crop), Faster R-CNN on COCO minival. Full-size, ImageNet-pretrained ")
                .append("backbones: not comparable in absolute terms with a small run; the ordering is what a ")
                .append("backbone swap should reproduce.</p>\n<table>\n<tr><th>backbone</th><th>params</th>")
                .append("<th>GFLOPs</th><th>ImageNet top-1 err</th><th>COCO AP50</th><th>COCO AP</th></tr>\n");
        for (PaperRow r : PAPER) {
            b.append("<tr><td>").append(esc(r.backbone())).append("</td><td class=\"num\">").append(r.params())
                    .append("</td><td class=\"num\">").append(r.gflops()).append("</td><td class=\"num\">")
                    .append(r.top1Error()).append("</td><td class=\"num\">").append(r.ap50())
                    .append("</td><td class=\"num\">").append(r.ap()).append("</td></tr>\n");
        }
        b.append("</table>\n</body></html>\n");
        return b.toString();
    }

    private static boolean isBest(List<Entry> entries, Entry e, int k) {
        if (entries.size() < 2 || e.stats()[k] < 0) {
            return false;
        }
        return entries.stream().allMatch(o -> o.stats()[k] <= e.stats()[k]);
    }

    private static List<String> categories(List<Entry> entries) {
        Set<String> cats = new LinkedHashSet<>();
        entries.forEach(e -> cats.addAll(e.perCategoryAp().keySet()));
        return new ArrayList<>(cats);
    }

    static String pct(double v) {
        return v < 0 || !Double.isFinite(v) ? "-" : String.format(Locale.ROOT, "%.1f", 100 * v);
    }

    private static String fmt2(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "-";
    }

    private static String millions(long n) {
        return n <= 0 ? "-" : String.format(Locale.ROOT, "%.2fM", n / 1e6);
    }

    private static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "-";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Names of the six AP statistics in the table, for callers that print them. */
    public static String[] statNames() {
        return STAT_NAMES.clone();
    }
}
