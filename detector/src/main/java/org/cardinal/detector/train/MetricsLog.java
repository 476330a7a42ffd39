package org.cardinal.detector.train;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The run's {@code metrics.jsonl}: one JSON object per line, appended and flushed line by line
 * so that a plot can follow a live run and a resumed run continues the same file (a fresh run
 * starts it over).
 *
 * <pre>
 * {"type":"train","iteration":20,"lr":0.0025,"loss":1.23,"losses":{"loss_classifier":..},
 *  "images_per_s":3.1,"time_s":12.5,"eta_s":300.0}
 * {"type":"eval","iteration":500,"AP":..,"AP50":..,"AP75":..,"stats":[12 numbers],
 *  "per_category_ap":{"1":..},"images":..,"time_s":..}
 * </pre>
 */
public final class MetricsLog implements TrainingListener, AutoCloseable {

    /** File name in the run folder. */
    public static final String FILE = "metrics.jsonl";

    private static final Gson GSON = new Gson();
    private final BufferedWriter out;
    private final int logPeriod;

    /**
     * @param runDir the run folder
     * @param logPeriod write a train line every this many iterations (and the last one)
     * @param startIteration iterations already done: lines of later iterations (written by an
     *     interrupted run after its last checkpoint) are dropped so a resumed log has no duplicates
     */
    public MetricsLog(Path runDir, int logPeriod, int startIteration) throws IOException {
        Path file = runDir.resolve(FILE);
        if (Files.exists(file)) {
            List<String> keep = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                    if (startIteration > 0 && o.get("iteration").getAsInt() <= startIteration) {
                        keep.add(line);
                    }
                } catch (RuntimeException e) {
                    // a line cut short by a crash: dropped
                }
            }
            Path tmp = Files.createTempFile(runDir, ".metrics", ".tmp");
            Files.write(tmp, keep, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        this.out =
                Files.newBufferedWriter(
                        runDir.resolve(FILE),
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
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
            out.write(GSON.toJson(o));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + FILE + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
