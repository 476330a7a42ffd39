package org.cardinal.detector.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cardinal.core.train.MetricsLog;

/**
 * A run's metrics log ({@code metrics.jsonl}, one JSON object per line, written by the detector
 * trainer) read back for curves and reports.
 *
 * <p>Lines with {@code "type": "train"} carry iteration, lr, total loss, the named losses,
 * images/s and elapsed seconds; lines with {@code "type": "eval"} carry the iteration, the 12
 * COCO stats (pycocotools order: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl)
 * and per-category AP keyed by COCO category id. Unknown types are skipped; when a resumed run
 * repeats iterations, the later line wins, so the log reads as one uninterrupted run.
 */
public record TrainingHistory(List<TrainPoint> train, List<EvalPoint> eval) {

    /** One logged training iteration. */
    public record TrainPoint(
            int iteration,
            double loss,
            Map<String, Double> losses,
            double lr,
            double imagesPerSecond,
            double seconds) {}

    /** One evaluation. */
    public record EvalPoint(int iteration, double[] stats, Map<Integer, Double> perCategoryAp) {
        /** AP at IoU 0.50:0.95 (stats[0]). */
        public double ap() {
            return stats[0];
        }

        /** AP at IoU 0.50 (stats[1]). */
        public double ap50() {
            return stats[1];
        }

        /** AP at IoU 0.75 (stats[2]). */
        public double ap75() {
            return stats[2];
        }
    }

    /**
     * Reads a metrics log ({@link MetricsLog#read}); a missing file gives an empty log.
     *
     * @throws IllegalArgumentException naming the file and line for a malformed line
     */
    public static TrainingHistory read(Path file) throws IOException {
        TreeMap<Integer, TrainPoint> train = new TreeMap<>();
        TreeMap<Integer, EvalPoint> eval = new TreeMap<>();
        for (JsonObject o : MetricsLog.read(file)) {
            String type = o.has("type") ? o.get("type").getAsString() : "";
            if (type.equals("train")) {
                TrainPoint p = new TrainPoint(
                        o.get("iteration").getAsInt(),
                        number(o, "loss"),
                        numbers(o.getAsJsonObject("losses")),
                        number(o, "lr"),
                        number(o, "images_per_s"),
                        number(o, "time_s"));
                train.put(p.iteration(), p);
            } else if (type.equals("eval")) {
                JsonArray s = o.getAsJsonArray("stats");
                double[] stats = new double[s.size()];
                for (int i = 0; i < stats.length; i++) {
                    stats[i] = s.get(i).getAsDouble();
                }
                Map<Integer, Double> perCat = new LinkedHashMap<>();
                if (o.has("per_category_ap")) {
                    for (Map.Entry<String, JsonElement> e :
                            o.getAsJsonObject("per_category_ap").entrySet()) {
                        perCat.put(Integer.parseInt(e.getKey()), e.getValue().getAsDouble());
                    }
                }
                eval.put(
                        o.get("iteration").getAsInt(),
                        new EvalPoint(o.get("iteration").getAsInt(), stats, perCat));
            }
        }
        return new TrainingHistory(List.copyOf(train.values()), List.copyOf(eval.values()));
    }

    /** The last evaluation, or null if the run never evaluated. */
    public EvalPoint lastEval() {
        return eval.isEmpty() ? null : eval.get(eval.size() - 1);
    }

    /** Total loss smoothed with a centred moving average of {@code window} logged points. */
    public double[] smoothedLoss(int window) {
        double[] raw = train.stream().mapToDouble(TrainPoint::loss).toArray();
        return movingAverage(raw, window);
    }

    /** Iterations of the training points. */
    public double[] trainIterations() {
        return train.stream().mapToDouble(TrainPoint::iteration).toArray();
    }

    /** Centred moving average ignoring non-finite values; window 1 returns a copy. */
    static double[] movingAverage(double[] v, int window) {
        double[] out = new double[v.length];
        int half = Math.max(0, window / 2);
        for (int i = 0; i < v.length; i++) {
            double sum = 0;
            int n = 0;
            for (int k = Math.max(0, i - half); k <= Math.min(v.length - 1, i + half); k++) {
                if (Double.isFinite(v[k])) {
                    sum += v[k];
                    n++;
                }
            }
            out[i] = n == 0 ? Double.NaN : sum / n;
        }
        return out;
    }

    private static double number(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? Double.NaN : e.getAsDouble();
    }

    private static Map<String, Double> numbers(JsonObject o) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (o != null) {
            for (Map.Entry<String, JsonElement> e : o.entrySet()) {
                m.put(e.getKey(), e.getValue().getAsDouble());
            }
        }
        return m;
    }

    /** Names of the loss components present in the log, in first-seen order. */
    public List<String> lossNames() {
        List<String> names = new ArrayList<>();
        for (TrainPoint p : train) {
            for (String k : p.losses().keySet()) {
                if (!names.contains(k)) {
                    names.add(k);
                }
            }
        }
        return names;
    }
}
