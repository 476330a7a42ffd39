package org.cardinal.detector.compare;

import ai.djl.Device;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.cardinal.core.io.AtomicFiles;
import org.cardinal.core.train.IntervalChart;
import org.cardinal.core.train.LineChart;
import org.cardinal.detector.compare.ReportDocument.Block;
import org.cardinal.detector.compare.ReportDocument.Bullets;
import org.cardinal.detector.compare.ReportDocument.Heading;
import org.cardinal.detector.compare.ReportDocument.Image;
import org.cardinal.detector.compare.ReportDocument.Paragraph;
import org.cardinal.detector.compare.ReportDocument.Table;
import org.cardinal.detector.compare.ReportDocument.Warning;
import org.cardinal.detector.report.TrainingCurves;
import org.cardinal.detector.report.TrainingHistory;
import org.cardinal.detector.train.DeviceSelection;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.train.SolverConfig;

/**
 * The backbone-swap report: whether one backbone beats another of similar complexity on the
 * user's data, and how sure one can be. It gives the verdict (never more than the confidence
 * interval supports), each backbone's complexity and its ratio to the reference, each AP metric
 * as mean ± standard deviation over seeds and per seed, the paired differences with their 95%
 * confidence intervals (a table and a chart), per-category AP, the AP and loss curves of every
 * run, and the paper's published numbers for reference.
 *
 * <p>Writes {@code report.md}, a self-contained {@code report.html} (inline CSS, charts embedded
 * as data URIs: one file to mail or archive), and the charts {@code differences.png}, {@code
 * ap.png} and {@code loss.png}, every file atomically. Both reports are rendered from the same
 * blocks, so they carry the same numbers.
 */
public final class ComparisonReport {

    /**
     * What was compared, in words.
     *
     * @param title the report's title
     * @param dataset the data (train and val annotation files)
     * @param schedule the solver every run shares
     * @param device where the runs trained
     * @param seeds the seeds and how they were chosen
     * @param pretraining how the backbones were initialized
     * @param runsDone runs finished
     * @param runsPlanned runs the comparison has
     */
    public record Setup(
            String title,
            String dataset,
            String schedule,
            String device,
            String seeds,
            String pretraining,
            int runsDone,
            int runsPlanned) {

        /**
         * @param config the comparison
         * @param base its base run config, overrides applied
         * @param done runs finished
         * @param planned runs planned
         * @return the setup the report describes
         */
        static Setup of(ComparisonConfig config, RunConfig base, int done, int planned) {
            SolverConfig s = base.solver();
            String schedule = String.format(
                    Locale.ROOT,
                    "Faster R-CNN %s, %d iterations x %d images, base lr %s, "
                            + "steps %s, warmup %d, weight decay %s, evaluation %s, input min %d / max %d",
                    base.model().variant().name(),
                    s.maxIter(),
                    s.imsPerBatch(),
                    plain(s.baseLr()),
                    Arrays.toString(s.steps()),
                    s.warmupIters(),
                    plain(s.weightDecay()),
                    s.evalPeriod() > 0 ? "every " + s.evalPeriod() + " iterations and at the end" : "at the end",
                    base.model().minSize(),
                    base.model().maxSize());
            String seeds =
                    Arrays.stream(config.seedValues()).mapToObj(Long::toString).collect(Collectors.joining(", "))
                            + " (seed k = the base config's solver.seed + k)";
            Pretraining p = config.pretrain();
            String init = p == null
                    ? "random (each parameter from its own stream of the run seed)"
                    : "pretrained on " + (p.images() != null ? p.images() : "the recipe's generated image set")
                            + ", " + p.recipe().epochs() + " epochs at "
                            + p.recipe().imageSize() + " px, "
                            + (p.perSeed()
                                    ? "anew for every seed"
                                    : "once per backbone (recipe seed "
                                            + p.recipe().seed() + "; the intervals cover detector training only)");
            return new Setup(
                    config.title(),
                    base.data().trainAnnotationsPath() + " -> " + base.data().valAnnotationsPath(),
                    schedule,
                    describe(DeviceSelection.resolve(s.device())),
                    seeds,
                    init,
                    done,
                    planned);
        }

        private static String plain(double v) {
            return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
        }

        private static String describe(Device[] devices) {
            if (devices.length == 1 && !devices[0].isGpu()) {
                return "CPU (" + Runtime.getRuntime().availableProcessors() + " cores)";
            }
            return devices.length + (devices.length == 1 ? " GPU " : " GPUs ") + Arrays.toString(devices);
        }
    }

    /**
     * One run's metrics log, for the curves.
     *
     * @param backbone its backbone
     * @param seed its seed
     * @param history its {@code metrics.jsonl}
     */
    public record Curve(String backbone, long seed, TrainingHistory history) {}

    /** A row of the paper's published results (Faster R-CNN on COCO minival) and ImageNet complexity. */
    public record PaperRow(String backbone, String params, String gflops, String top1Error, String ap50, String ap) {}

    /** Xie et al., CVPR 2017: Table 1 (complexity), Table 3/4 (ImageNet-1K) and Table 9 (COCO minival). */
    public static final List<PaperRow> PAPER = List.of(
            new PaperRow("ResNet-50", "25.5M", "4.1", "23.9", "47.6", "26.5"),
            new PaperRow("ResNeXt-50 (32x4d)", "25.0M", "4.2", "22.2", "49.7", "27.5"),
            new PaperRow("ResNet-101", "44.5M", "7.8", "22.0", "51.1", "29.8"),
            new PaperRow("ResNeXt-101 (32x4d)", "44.2M", "8.0", "21.2", "51.9", "30.0"));

    private ComparisonReport() {}

    /**
     * Writes the report files into {@code dir}.
     *
     * @return the HTML report
     * @throws IOException if a file cannot be written
     */
    public static Path write(
            Path dir,
            Setup setup,
            ComplexityCheck complexity,
            SharedInitialization initialization,
            Findings findings,
            List<Curve> curves)
            throws IOException {
        Files.createDirectories(dir);
        List<Block> blocks = blocks(setup, complexity, initialization, findings, curves);
        for (Block b : blocks) {
            if (b instanceof Image i) {
                AtomicFiles.write(dir.resolve(i.file()), i.png());
            }
        }
        AtomicFiles.writeString(dir.resolve("report.md"), ReportDocument.markdown(blocks));
        Path html = dir.resolve("report.html");
        AtomicFiles.writeString(html, ReportDocument.html(setup.title(), blocks));
        return html;
    }

    /** The paired differences of {@link Findings#pairs()} with their intervals, one point per pair and metric. */
    public static IntervalChart differenceChart(Findings f) {
        IntervalChart c = new IntervalChart(
                f.backbones().size() == 2
                        ? "Paired difference from " + f.reference() + " with its 95% CI"
                        : "Paired differences, every pair, with their 95% CI",
                "difference (AP points)");
        for (List<String> pair : f.pairs()) {
            for (int m = 0; m < Findings.METRICS.size(); m++) {
                PairedStatistics.Difference d = f.difference(pair.get(0), pair.get(1), m);
                if (d.n() > 0) {
                    c.add(pair.get(0) + " - " + pair.get(1), Findings.METRICS.get(m), d.mean(), d.low(), d.high());
                }
            }
        }
        return c;
    }

    /** AP at every evaluation of every run: one colour per backbone, one line per seed. */
    public static LineChart apCurves(Findings f, List<Curve> curves) {
        LineChart c = new LineChart("COCO box AP on val, every run", "iteration", "AP (%)");
        for (Curve run : curves) {
            double[] it = run.history().eval().stream()
                    .mapToDouble(TrainingHistory.EvalPoint::iteration)
                    .toArray();
            double[] ap =
                    run.history().eval().stream().mapToDouble(e -> 100 * e.ap()).toArray();
            c.add(new LineChart.Series(
                    run.backbone() + " s" + run.seed(), it, ap, f.backbones().indexOf(run.backbone()), false));
        }
        return c;
    }

    /** Smoothed total training loss of every run. */
    public static LineChart lossCurves(Findings f, List<Curve> curves) {
        LineChart c = new LineChart(
                        "Training loss, every run (moving average of " + TrainingCurves.SMOOTHING + " log points)",
                        "iteration",
                        "total loss")
                .logY(true);
        for (Curve run : curves) {
            c.add(new LineChart.Series(
                    run.backbone() + " s" + run.seed(),
                    run.history().trainIterations(),
                    run.history().smoothedLoss(TrainingCurves.SMOOTHING),
                    f.backbones().indexOf(run.backbone()),
                    false));
        }
        return c;
    }

    private static List<Block> blocks(
            Setup s, ComplexityCheck complexity, SharedInitialization init, Findings f, List<Curve> curves) {
        List<Block> b = new ArrayList<>();
        b.add(new Heading(1, s.title()));
        List<String> setup = new ArrayList<>(List.of(
                "Dataset: " + s.dataset(),
                "Schedule: " + s.schedule(),
                "Device: " + s.device(),
                "Seeds: " + s.seeds(),
                "Backbone initialization: " + s.pretraining(),
                "Initialization of the other parts: " + init.summary()));
        setup.add(
                s.runsDone() == s.runsPlanned()
                        ? "Runs: all " + s.runsPlanned() + " finished"
                        : "Runs: " + s.runsDone() + " of " + s.runsPlanned()
                                + " finished; this report covers those only "
                                + "(run the comparison again to finish the rest)");
        b.add(new Bullets(setup));
        if (!complexity.similar()) {
            b.add(new Warning("The backbones are not of similar complexity", complexity.warnings()));
        }
        if (!init.complete()) {
            b.add(new Warning("Not every part but the backbone starts from the same weights", init.warnings()));
        }
        b.add(new Heading(2, "Verdict"));
        b.add(new Bullets(f.verdicts()));
        b.add(new Paragraph("How to read it: each seed trains every backbone on the same images in the same order, "
                + (init.complete()
                        ? "from the same initial weights in every part but the backbone, so the seed-by-seed "
                                + "difference of AP isolates the backbone. "
                        : "from the same initial weights in every part but the backbone except the "
                                + init.differing().size() + " parameter tensors listed in the warning above ("
                                + String.join(", ", init.parts())
                                + "), whose shapes or initial ranges follow the backbone's: the "
                                + "seed-by-seed difference of AP isolates the backbone together with those "
                                + "parts' initial weights. ")
                + "The 95% confidence interval of its mean is mean ± t(0.975, n - 1) · s / √n "
                + "(Student's t over the n seeds both backbones finished). A backbone is called ahead only when the "
                + "whole interval is on its side of 0. An interval that contains 0 does not show that the backbones "
                + "are equal: a difference smaller than about its half width may exist, and more seeds or a longer "
                + "schedule would be needed to see it."));

        b.add(new Heading(2, "Complexity"));
        ReportTable cx = new ReportTable(
                "backbone",
                "shape",
                "#params",
                "#x " + f.reference(),
                "#GMACs@" + complexity.inputSize(),
                "#x " + f.reference(),
                "#detector params");
        for (ComplexityCheck.Row r : complexity.rows()) {
            List<RunResult> runs = f.results(r.backbone());
            cx.row(
                    r.backbone(),
                    r.shape(),
                    ComplexityCheck.millions(r.params()),
                    ratio(r.paramsRatio()),
                    ComplexityCheck.gmacs(r.macs()),
                    ratio(r.macsRatio()),
                    runs.isEmpty() ? "-" : ComplexityCheck.millions(runs.get(0).detectorParams()));
        }
        b.add(new Table(cx));
        b.add(new Paragraph("The backbone alone, without its classifier: trainable parameters, and multiply-adds of "
                + "its convolutions at " + complexity.inputSize() + "x" + complexity.inputSize() + " as in the paper's "
                + "Table 1. Similar complexity means within " + Math.round(100 * ComplexityCheck.TOLERANCE)
                + "% of the reference in both."));

        b.add(new Heading(2, "COCO box AP on val over seeds (%, mean ± standard deviation)"));
        ReportTable over =
                new ReportTable("backbone", "#seeds", "#AP", "#AP50", "#AP75", "#APs", "#APm", "#APl", "#images/s");
        for (String bb : f.backbones()) {
            String[] cells = new String[9];
            cells[0] = bb;
            cells[1] = String.valueOf(f.results(bb).size());
            for (int m = 0; m < 6; m++) {
                cells[2 + m] = meanStd(f.summary(bb, m));
            }
            double ips = f.imagesPerSecond(bb);
            cells[8] = Double.isFinite(ips) ? String.format(Locale.ROOT, "%.2f", ips) : "-";
            over.row(cells);
        }
        b.add(new Table(over));

        b.add(new Heading(
                2,
                f.backbones().size() == 2
                        ? "Paired differences from " + f.reference() + " (AP points)"
                        : "Paired differences, every pair (AP points)"));
        ReportTable diff = new ReportTable(
                "backbone", "metric", "#pairs", "#mean", "#std", "#95% CI", "#t(0.975, n-1)", "per seed");
        for (List<String> pair : f.pairs()) {
            for (int m = 0; m < 6; m++) {
                PairedStatistics.Difference d = f.difference(pair.get(0), pair.get(1), m);
                List<Long> seeds = f.pairedSeeds(pair.get(0), pair.get(1), m);
                StringBuilder per = new StringBuilder();
                for (int i = 0; i < seeds.size(); i++) {
                    per.append(i == 0 ? "" : ", ")
                            .append(seeds.get(i))
                            .append(": ")
                            .append(Verdict.signed(d.perSeed()[i]));
                }
                diff.row(
                        pair.get(0) + " - " + pair.get(1),
                        Findings.METRICS.get(m),
                        String.valueOf(d.n()),
                        d.n() == 0 ? "-" : Verdict.signed(d.mean()),
                        num(d.std(), 2),
                        d.hasInterval() ? String.format(Locale.ROOT, "%.2f to %.2f", d.low(), d.high()) : "-",
                        num(d.tCritical(), 3),
                        per.length() == 0 ? "-" : per.toString());
            }
        }
        b.add(new Table(diff));
        b.add(new Image(
                "differences.png",
                "paired differences with their 95% confidence intervals",
                differenceChart(f).toPng()));

        b.add(new Heading(2, "Per seed (COCO box AP on val, %)"));
        ReportTable per = new ReportTable(
                "#seed", "backbone", "#AP", "#AP50", "#AP75", "#APs", "#APm", "#APl", "#iterations", "#wall time");
        for (long seed : f.seeds()) {
            for (String bb : f.backbones()) {
                RunResult r = f.result(bb, seed);
                if (r == null) {
                    continue;
                }
                String[] cells = new String[10];
                cells[0] = String.valueOf(seed);
                cells[1] = bb;
                for (int m = 0; m < 6; m++) {
                    cells[2 + m] = num(r.points(m), 1);
                }
                cells[8] = String.valueOf(r.iterations());
                cells[9] = duration(r.wallSeconds()) + (r.resumedFrom() > 0 ? " (from " + r.resumedFrom() + ")" : "");
                per.row(cells);
            }
        }
        b.add(new Table(per));
        b.add(new Paragraph("Wall time: of the call that finished the run, training and evaluations; a run resumed "
                + "after an interruption counts from the iteration in brackets."));

        b.add(new Heading(2, "Per-category AP (IoU 0.50:0.95, %, mean ± standard deviation over seeds)"));
        List<String> header = new ArrayList<>(List.of("category"));
        f.backbones().forEach(bb -> header.add("#" + bb));
        ReportTable cats = new ReportTable(header.toArray(new String[0]));
        for (String c : f.categories()) {
            List<String> cells = new ArrayList<>(List.of(c));
            f.backbones().forEach(bb -> cells.add(meanStd(f.categorySummary(bb, c))));
            cats.row(cells.toArray(new String[0]));
        }
        b.add(new Table(cats));

        b.add(new Heading(2, "Curves"));
        b.add(new Image("ap.png", "AP curves of every run", apCurves(f, curves).toPng()));
        b.add(new Image(
                "loss.png", "loss curves of every run", lossCurves(f, curves).toPng()));

        b.add(new Heading(2, "The paper's numbers, for reference"));
        b.add(new Paragraph("Xie et al., Aggregated Residual Transformations for Deep Neural Networks, CVPR 2017: "
                + "ImageNet-1K complexity and top-1 error (224, single crop), and Faster R-CNN on COCO minival. "
                + "Full-size backbones pretrained on ImageNet: not comparable in absolute terms with a small run; the "
                + "ordering at equal complexity is what a backbone swap tests."));
        ReportTable paper =
                new ReportTable("backbone", "#params", "#GFLOPs", "#ImageNet top-1 err", "#COCO AP50", "#COCO AP");
        PAPER.forEach(r -> paper.row(r.backbone(), r.params(), r.gflops(), r.top1Error(), r.ap50(), r.ap()));
        b.add(new Table(paper));
        return b;
    }

    private static String meanStd(PairedStatistics.Summary s) {
        if (s.n() == 0) {
            return "-";
        }
        return s.n() == 1 ? num(s.mean(), 1) : String.format(Locale.ROOT, "%.1f ± %.1f", s.mean(), s.std());
    }

    private static String num(double v, int digits) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + digits + "f", v) : "-";
    }

    private static String ratio(double r) {
        return String.format(Locale.ROOT, "%.2f", r);
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "-";
        }
        long s = Math.round(seconds);
        return s >= 3600
                ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, (s % 3600) / 60, s % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
