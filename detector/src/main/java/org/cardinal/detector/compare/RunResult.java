package org.cardinal.detector.compare;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.core.config.ConfigBinder;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.core.io.AtomicFiles;
import org.cardinal.detector.report.TrainingHistory;
import org.cardinal.detector.train.EvalResult;
import org.cardinal.detector.train.TrainingRun;
import org.cardinal.detector.train.TrainingSummary;

/**
 * The outcome of one finished run of a comparison, one backbone trained with one seed, as kept in
 * its run folder ({@code result.json}, written atomically once the run has finished and been
 * evaluated). A comparison that finds it, with a config equal to the one it would train, reuses
 * it instead of training again.
 *
 * @param backbone the backbone's name
 * @param seed the run's seed
 * @param iterations iterations trained
 * @param stats the 12 COCO numbers on the val split, pycocotools' order and scale (fractions; -1
 *     where undefined)
 * @param perCategoryAp AP@[.5:.95] per category, in the training set's label order
 * @param imagesPerSecond training throughput of the call that finished the run
 * @param wallSeconds wall time of the call that finished the run (training and evaluations)
 * @param resumedFrom the iteration that call started at (0: trained in one go)
 * @param detectorParams scalar parameters of the whole detector
 * @param config the resolved run config it was trained with
 */
public record RunResult(
        String backbone,
        long seed,
        int iterations,
        double[] stats,
        List<CategoryAp> perCategoryAp,
        double imagesPerSecond,
        double wallSeconds,
        int resumedFrom,
        long detectorParams,
        JsonObject config) {

    /**
     * The result of a run that has just finished training and its final evaluation.
     *
     * @param run the comparison's run
     * @param trained what its training returned
     * @param start the iteration this call started at
     * @throws IOException if a resumed run's metrics log cannot be read
     */
    static RunResult of(Comparison.Run run, TrainingRun.Result trained, int start) throws IOException {
        TrainingSummary s = trained.summary();
        EvalResult e = s.finalEval();
        List<CategoryAp> cats = new ArrayList<>();
        s.categories()
                .forEach((id, name) ->
                        cats.add(new CategoryAp(name, e.perCategoryAp().getOrDefault(id, -1.0))));
        double imagesPerSecond = s.imagesPerSecond();
        if (!(imagesPerSecond > 0)) {
            // resumed after its last iteration (killed during the final evaluation): the log has it
            List<TrainingHistory.TrainPoint> log =
                    TrainingHistory.read(run.dir().resolve("metrics.jsonl")).train();
            imagesPerSecond = log.isEmpty() ? 0 : log.get(log.size() - 1).imagesPerSecond();
        }
        return new RunResult(
                run.backbone().name(),
                run.seed(),
                s.iterations(),
                e.stats(),
                cats,
                Double.isFinite(imagesPerSecond) ? imagesPerSecond : 0,
                s.seconds(),
                start,
                trained.detectorParams(),
                run.config().toJson());
    }

    /** File name in a run folder. */
    public static final String FILE = "result.json";

    /**
     * @param category the category's name
     * @param ap its AP@[.5:.95] (-1 where undefined)
     */
    public record CategoryAp(String category, double ap) {}

    /** Copies the mutable parts. */
    public RunResult {
        stats = stats.clone();
        perCategoryAp = List.copyOf(perCategoryAp);
        config = config.deepCopy();
        if (stats.length != 12) {
            throw new IllegalArgumentException("field 'stats': expected the 12 COCO numbers, found " + stats.length);
        }
    }

    /** @return a copy of the 12 COCO numbers */
    @Override
    public double[] stats() {
        return stats.clone();
    }

    /** @return a copy of the run config */
    @Override
    public JsonObject config() {
        return config.deepCopy();
    }

    /**
     * @param metric index in pycocotools' order (0 AP, 1 AP50, 2 AP75, 3 APs, 4 APm, 5 APl)
     * @return its value in points (percent), or NaN where undefined
     */
    public double points(int metric) {
        double v = stats[metric];
        return v < 0 || !Double.isFinite(v) ? Double.NaN : 100 * v;
    }

    /**
     * Reads a run folder's result.
     *
     * @param file the {@code result.json}
     * @return the result
     * @throws org.cardinal.core.config.ConfigException naming the file and field when it is malformed
     */
    public static RunResult read(Path file) {
        return ConfigBinder.bind(
                JsonFiles.readObject(file), RunResult.class, new JsonObject(), ConfigPath.root(file.toString()));
    }

    /**
     * Writes the result atomically.
     *
     * @param file the {@code result.json}
     * @throws IOException if it cannot be written
     */
    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, JsonFiles.pretty(ConfigBinder.toJson(this)) + "\n");
    }
}
