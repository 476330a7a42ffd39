package org.cardinal.detector.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.cardinal.core.train.LineChart;

/**
 * Draws a run's curves from its {@link TrainingHistory}: {@code loss.png} (total and per-component
 * losses, smoothed), {@code ap.png} (COCO AP, AP50, AP75 at each evaluation) and {@code lr.png}
 * (the learning-rate schedule as applied), all into the run folder.
 */
public final class TrainingCurves {

    /** Points averaged for the plotted losses: single iterations are too noisy to read. */
    public static final int SMOOTHING = 5;

    private TrainingCurves() {}

    /** Loss chart of one run. */
    public static LineChart lossChart(TrainingHistory log) {
        LineChart c = new LineChart(
                        "Training loss (moving average of " + SMOOTHING + " log points)", "iteration", "loss")
                .logY(true);
        double[] it = log.trainIterations();
        c.add(new LineChart.Series("total", it, log.smoothedLoss(SMOOTHING)));
        for (String name : log.lossNames()) {
            double[] v = log.train().stream()
                    .mapToDouble(p -> p.losses().getOrDefault(name, Double.NaN))
                    .toArray();
            c.add(new LineChart.Series(name, it, TrainingHistory.movingAverage(v, SMOOTHING)));
        }
        return c;
    }

    /** AP chart of one run (AP, AP50, AP75 against iteration). */
    public static LineChart apChart(TrainingHistory log) {
        double[] it = log.eval().stream()
                .mapToDouble(TrainingHistory.EvalPoint::iteration)
                .toArray();
        return new LineChart("COCO box AP on val", "iteration", "AP")
                .add(new LineChart.Series(
                        "AP50",
                        it,
                        log.eval().stream()
                                .mapToDouble(TrainingHistory.EvalPoint::ap50)
                                .toArray()))
                .add(new LineChart.Series(
                        "AP",
                        it,
                        log.eval().stream()
                                .mapToDouble(TrainingHistory.EvalPoint::ap)
                                .toArray()))
                .add(new LineChart.Series(
                        "AP75",
                        it,
                        log.eval().stream()
                                .mapToDouble(TrainingHistory.EvalPoint::ap75)
                                .toArray()));
    }

    /** Learning-rate chart of one run. */
    public static LineChart lrChart(TrainingHistory log) {
        return new LineChart("Learning rate", "iteration", "lr")
                .add(new LineChart.Series(
                        "lr",
                        log.trainIterations(),
                        log.train().stream()
                                .mapToDouble(TrainingHistory.TrainPoint::lr)
                                .toArray()));
    }

    /**
     * Reads {@code runDir/metrics.jsonl} and writes the three PNGs next to it.
     *
     * @return the files written
     */
    public static List<Path> write(Path runDir) throws IOException {
        TrainingHistory log = TrainingHistory.read(runDir.resolve("metrics.jsonl"));
        Path loss = runDir.resolve("loss.png");
        Path ap = runDir.resolve("ap.png");
        Path lr = runDir.resolve("lr.png");
        lossChart(log).write(loss);
        apChart(log).write(ap);
        lrChart(log).write(lr);
        return List.of(loss, ap, lr);
    }
}
