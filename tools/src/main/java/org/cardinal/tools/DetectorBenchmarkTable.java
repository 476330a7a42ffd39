package org.cardinal.tools;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cardinal.detector.StageTimes;

/**
 * The detector benchmark's numbers: one measurement summed up ({@link #summary}) and Cardinal's
 * results printed next to the peer's with their ratios ({@link #table}).
 */
final class DetectorBenchmarkTable {

    private DetectorBenchmarkTable() {}

    private static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Median, range and rates of the timed iterations, and the stages' mean times. */
    static JsonObject summary(List<Double> ms, List<Double> cpu, StageTimes stages, int images) {
        double med = median(ms);
        JsonObject o = new JsonObject();
        o.addProperty("median_ms", med);
        o.addProperty(
                "min_ms", ms.stream().mapToDouble(Double::doubleValue).min().orElse(0));
        o.addProperty(
                "max_ms", ms.stream().mapToDouble(Double::doubleValue).max().orElse(0));
        JsonArray all = new JsonArray();
        ms.forEach(v -> all.add(Math.round(v * 10) / 10.0));
        o.add("ms", all);
        o.addProperty("median_cpu_ms", median(cpu));
        o.addProperty("per_s", 1000.0 / med);
        o.addProperty("images_per_s", images * 1000.0 / med);
        if (stages != null) {
            // per-iteration means of the timed iterations (stages may run on several threads at once)
            JsonObject st = new JsonObject();
            stages.wallSeconds().forEach((k, v) -> st.addProperty(k, Math.round(v * 1000 / ms.size() * 10) / 10.0));
            stages.cpuSeconds()
                    .forEach((k, v) -> st.addProperty(k + "_cpu", Math.round(v * 1000 / ms.size() * 10) / 10.0));
            o.add("stages_ms", st);
        }
        return o;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v >= 10 ? "%.1f" : "%.3f", v);
    }

    private static String num(JsonObject o, String key) {
        return o != null && o.has(key) ? fmt(o.get(key).getAsDouble()) : "-";
    }

    private static String ratio(JsonObject c, JsonObject p, String key, boolean inverse) {
        if (c == null || p == null || !c.has(key) || !p.has(key)) {
            return "-";
        }
        double a = c.get(key).getAsDouble();
        double b = p.get(key).getAsDouble();
        return String.format(Locale.ROOT, "%.2f", inverse ? b / a : a / b);
    }

    /**
     * Memory at the end of each stage: resident set and its peak so far on both sides, Cardinal's
     * JVM heap in use and live arrays, then the split of Cardinal's peak.
     */
    private static void stageMemory(StringBuilder sb, JsonObject c, JsonObject p) {
        JsonObject cm = c.getAsJsonObject("stages_memory");
        JsonObject pm = p != null && p.has("stages_memory") ? p.getAsJsonObject("stages_memory") : null;
        String f = "%-16s %-22s %8s %9s %8s %9s %6s %8s %8s %8s %9s%n";
        sb.append(String.format(
                Locale.ROOT,
                f,
                "",
                "  at stage end, MiB",
                "RSS",
                "peak RSS",
                "heap",
                "arrays",
                "of MiB",
                "malloc",
                "free",
                "tv RSS",
                "tv peak"));
        for (String k : cm.keySet()) {
            JsonObject a = cm.getAsJsonObject(k);
            JsonObject b = pm != null && pm.has(k) ? pm.getAsJsonObject(k) : null;
            sb.append(String.format(
                    Locale.ROOT,
                    f,
                    "",
                    "    " + k,
                    num(a, "rss_mib"),
                    num(a, "peak_rss_mib"),
                    num(a, "heap_used_mib"),
                    String.format(Locale.ROOT, "%.0f", a.get("arrays").getAsDouble()),
                    num(a, "array_mib"),
                    num(a, "malloc_in_use_mib"),
                    num(a, "malloc_free_mib"),
                    num(b, "rss_mib"),
                    num(b, "peak_rss_mib")));
        }
        if (c.has("peak_split_mib")) {
            JsonObject split = c.getAsJsonObject("peak_split_mib");
            sb.append(String.format(
                    Locale.ROOT,
                    "%-16s   peak split, MiB: JVM heap (committed) %s, JVM other %s, native (libtorch and the"
                            + " rest) %s%n",
                    "",
                    split.get("jvm_heap"),
                    split.get("jvm_other"),
                    split.get("native")));
        }
    }

    /** Both sides' results with the ratios, as the benchmark prints them. */
    static String table(JsonObject ours, JsonObject peer, List<String> modes) {
        StringBuilder sb = new StringBuilder();
        int batch = ours.get("batch").getAsInt();
        sb.append(String.format(
                Locale.ROOT,
                "Faster R-CNN FPN, 91 classes: batch %d per device, %s input (the transform keeps it), %d intra-op /"
                        + " %d inter-op threads, devices %s%n",
                batch,
                ours.get("size").getAsString(),
                ours.get("threads").getAsInt(),
                ours.get("interop_threads").getAsInt(),
                ours.get("devices").getAsString()));
        if (peer != null) {
            sb.append("peer: ")
                    .append(peer.get("engine").getAsString())
                    .append(", threads ")
                    .append(peer.get("threads"))
                    .append(
                            ours.get("same_weights_and_inputs_as_peer").getAsBoolean()
                                    ? "; same weights and inputs"
                                    : "")
                    .append('\n');
        }
        String f = "%-16s %-22s %10s %11s %6s  %10s %11s %6s%n";
        sb.append(String.format(Locale.ROOT, f, "", "", "wall", "", "", "process CPU", "", ""));
        sb.append(String.format(
                Locale.ROOT,
                f,
                "arch",
                "median",
                "cardinal",
                "torchvision",
                "ratio",
                "cardinal",
                "torchvision",
                "ratio"));
        for (Map.Entry<String, JsonElement> e : ours.getAsJsonObject("results").entrySet()) {
            for (String mode : modes) {
                JsonObject c = e.getValue().getAsJsonObject().getAsJsonObject(mode);
                JsonObject pr =
                        peer == null ? null : peer.getAsJsonObject("results").getAsJsonObject(e.getKey());
                JsonObject p = pr != null && pr.has(mode) ? pr.getAsJsonObject(mode) : null;
                boolean train = mode.equals("train");
                double unit = train
                        ? 1
                        : c.get("images_per_s").getAsDouble()
                                * c.get("median_ms").getAsDouble()
                                / 1000;
                double cRate = unit * 1000.0 / c.get("median_ms").getAsDouble();
                double cCpuRate = unit * 1000.0 / c.get("median_cpu_ms").getAsDouble();
                String pRate =
                        p == null ? "-" : fmt(unit * 1000.0 / p.get("median_ms").getAsDouble());
                String pCpuRate = p == null
                        ? "-"
                        : fmt(unit * 1000.0 / p.get("median_cpu_ms").getAsDouble());
                sb.append(String.format(
                        Locale.ROOT,
                        f,
                        e.getKey(),
                        train ? "train iterations/s" : "inference images/s",
                        fmt(cRate),
                        pRate,
                        ratio(c, p, "median_ms", true),
                        fmt(cCpuRate),
                        pCpuRate,
                        ratio(c, p, "median_cpu_ms", true)));
                sb.append(String.format(
                        Locale.ROOT,
                        f,
                        "",
                        "  step ms",
                        num(c, "median_ms"),
                        num(p, "median_ms"),
                        "",
                        num(c, "median_cpu_ms"),
                        num(p, "median_cpu_ms"),
                        ""));
                for (String mem : new String[] {"peak_rss_mib", "peak_gpu_mib"}) {
                    if (c.has(mem)) {
                        // a ratio above 1 means Cardinal needs less memory than torchvision
                        sb.append(String.format(
                                Locale.ROOT,
                                f,
                                "",
                                mem.equals("peak_rss_mib") ? "  peak RSS MiB" : "  peak GPU MiB",
                                num(c, mem),
                                num(p, mem),
                                ratio(c, p, mem, true),
                                "",
                                "",
                                ""));
                    }
                }
                if (c.has("stages_ms")) {
                    JsonObject cs = c.getAsJsonObject("stages_ms");
                    JsonObject ps = p != null && p.has("stages_ms") ? p.getAsJsonObject("stages_ms") : null;
                    for (String k : cs.keySet()) {
                        if (k.endsWith("_cpu")) {
                            continue;
                        }
                        sb.append(String.format(
                                Locale.ROOT,
                                f,
                                "",
                                "    " + k + " ms",
                                num(cs, k),
                                num(ps, k),
                                ratio(cs, ps, k, true),
                                num(cs, k + "_cpu"),
                                num(ps, k + "_cpu"),
                                ratio(cs, ps, k + "_cpu", true)));
                    }
                }
                if (c.has("stages_memory")) {
                    stageMemory(sb, c, p);
                }
            }
        }
        if (peer != null) {
            sb.append(
                    "ratio = torchvision time / Cardinal time = Cardinal rate / torchvision rate (> 1: Cardinal is faster);\n"
                            + "memory ratio = torchvision / Cardinal (> 1: Cardinal needs less); medians of the timed iterations;\n"
                            + "process CPU = CPU seconds of all the process's threads\n");
        }
        return sb.toString();
    }
}
