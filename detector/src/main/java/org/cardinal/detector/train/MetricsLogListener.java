package org.cardinal.detector.train;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.cardinal.core.train.MetricsLog;

/**
 * Writes a detector run's {@link MetricsLog} ({@code metrics.jsonl} in the run folder, positions
 * under {@code "iteration"}): a train line every log period and an eval line per evaluation. A
 * resumed run continues the same file; a fresh run starts it over.
 *
 * <pre>
 * {"type":"train","iteration":20,"lr":0.0025,"loss":1.23,"losses":{"loss_classifier":..},
 *  "images_per_s":3.1,"time_s":12.5,"eta_s":300.0,"device_s":[0.41,0.39]}
 * {"type":"eval","iteration":500,"AP":..,"AP50":..,"AP75":..,"stats":[12 numbers],
 *  "per_category_ap":{"1":..},"images":..,"detections":..,"time_s":..}
 * </pre>
 */
public final class MetricsLogListener implements TrainingListener, AutoCloseable {

    private final MetricsLog log;
    private final int logPeriod;

    /**
     * @param runDir the run folder
     * @param logPeriod write a train line every this many iterations (and the last one)
     * @param startIteration iterations already done: lines of later iterations (written by an
     *     interrupted run after its last checkpoint) are dropped so a resumed log has no duplicates
     */
    public MetricsLogListener(Path runDir, int logPeriod, int startIteration) throws IOException {
        this.log =
                new MetricsLog(runDir.resolve(MetricsLog.FILE), "iteration", startIteration > 0 ? startIteration : -1);
        this.logPeriod = logPeriod;
    }

    @Override
    public void onIteration(IterationMetrics m) {
        if (m.iteration() % logPeriod != 0 && m.iteration() != m.maxIteration()) {
            return;
        }
        JsonObject o = new JsonObject();
        o.addProperty("type", "train");
        o.addProperty("iteration", m.iteration());
        o.addProperty("lr", m.lr());
        o.addProperty("loss", m.totalLoss());
        JsonObject losses = new JsonObject();
        for (Map.Entry<String, Double> e : m.losses().entrySet()) {
            losses.addProperty(e.getKey(), e.getValue());
        }
        o.add("losses", losses);
        o.addProperty("images_per_s", m.imagesPerSecond());
        o.addProperty("time_s", m.elapsedSeconds());
        o.addProperty("eta_s", m.etaSeconds());
        JsonArray devices = new JsonArray();
        for (double d : m.deviceSeconds()) {
            devices.add(d);
        }
        o.add("device_s", devices);
        write(o);
    }

    @Override
    public void onEvaluation(EvalResult r) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "eval");
        o.addProperty("iteration", r.iteration());
        o.addProperty("AP", r.ap());
        o.addProperty("AP50", r.ap50());
        o.addProperty("AP75", r.ap75());
        JsonArray stats = new JsonArray();
        for (double s : r.stats()) {
            stats.add(s);
        }
        o.add("stats", stats);
        JsonObject per = new JsonObject();
        for (Map.Entry<Integer, Double> e : r.perCategoryAp().entrySet()) {
            per.addProperty(String.valueOf(e.getKey()), e.getValue());
        }
        o.add("per_category_ap", per);
        o.addProperty("images", r.numImages());
        o.addProperty("detections", r.numDetections());
        o.addProperty("time_s", r.seconds());
        write(o);
    }

    private void write(JsonObject o) {
        try {
            log.log(o);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + MetricsLog.FILE + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        log.close();
    }
}
