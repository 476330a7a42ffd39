package org.cardinal.detector.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the finished runs of a comparison show: per backbone, each metric over its seeds (mean,
 * sample standard deviation, the values); per backbone after the first, the paired difference
 * from the first over the seeds both finished, its confidence interval, and the verdict on AP.
 * Values are in points (percent); an undefined metric (pycocotools' -1, e.g. APl on a set without
 * large objects) is left out of its statistics, and a seed that lacks it for either backbone is
 * left out of that metric's pairs.
 */
public final class Findings {

    /** The six AP metrics of the paper's tables, pycocotools' indices 0..5. */
    public static final List<String> METRICS = List.of("AP", "AP50", "AP75", "APs", "APm", "APl");

    private final List<String> backbones;
    private final Map<String, Map<Long, RunResult>> byBackbone = new LinkedHashMap<>();

    /**
     * @param backbones backbone names in the config's order, the reference first
     * @param results the finished runs (any order, any subset)
     */
    public Findings(List<String> backbones, List<RunResult> results) {
        this.backbones = List.copyOf(backbones);
        for (String b : backbones) {
            byBackbone.put(b, new LinkedHashMap<>());
        }
        for (RunResult r : results) {
            Map<Long, RunResult> m = byBackbone.get(r.backbone());
            if (m == null) {
                throw new IllegalArgumentException("result of backbone " + r.backbone() + ", which the comparison "
                        + "does not have (" + backbones + ")");
            }
            m.put(r.seed(), r);
        }
    }

    /** @return the backbone names, the reference first */
    public List<String> backbones() {
        return backbones;
    }

    /** @return the reference backbone (the config's first) */
    public String reference() {
        return backbones.get(0);
    }

    /** @return the backbones compared with the reference */
    public List<String> candidates() {
        return backbones.subList(1, backbones.size());
    }

    /** @return every seed some backbone finished, ascending */
    public List<Long> seeds() {
        Set<Long> s = new TreeSet<>();
        byBackbone.values().forEach(m -> s.addAll(m.keySet()));
        return List.copyOf(s);
    }

    /**
     * @param backbone a backbone
     * @param seed a seed
     * @return its finished run, or null
     */
    public RunResult result(String backbone, long seed) {
        return byBackbone.get(backbone).get(seed);
    }

    /** @return the finished runs of a backbone, by ascending seed */
    public List<RunResult> results(String backbone) {
        List<RunResult> out = new ArrayList<>();
        for (long s : seeds()) {
            RunResult r = result(backbone, s);
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * @param backbone a backbone
     * @param metric index into {@link #METRICS}
     * @return the metric's mean and spread over the backbone's finished seeds
     */
    public PairedStatistics.Summary summary(String backbone, int metric) {
        return PairedStatistics.summary(results(backbone).stream()
                .mapToDouble(r -> r.points(metric))
                .filter(Double::isFinite)
                .toArray());
    }

    /**
     * @param backbone a backbone
     * @param category a category name
     * @return its AP over the backbone's finished seeds
     */
    public PairedStatistics.Summary categorySummary(String backbone, String category) {
        return PairedStatistics.summary(results(backbone).stream()
                .flatMap(r -> r.perCategoryAp().stream())
                .filter(c -> c.category().equals(category) && c.ap() >= 0)
                .mapToDouble(c -> 100 * c.ap())
                .toArray());
    }

    /** @return the category names of every finished run, in first-seen order */
    public List<String> categories() {
        Set<String> out = new LinkedHashSet<>();
        for (String b : backbones) {
            results(b).forEach(r -> r.perCategoryAp().forEach(c -> out.add(c.category())));
        }
        return List.copyOf(out);
    }

    /**
     * The pairs the report compares: each backbone after the first against the reference, then,
     * with three backbones or more, each later backbone against each earlier one but the reference.
     *
     * @return (a, b) pairs, each read as "a minus b"
     */
    public List<List<String>> pairs() {
        List<List<String>> out = new ArrayList<>();
        for (String c : candidates()) {
            out.add(List.of(c, reference()));
        }
        List<String> all = backbones();
        for (int j = 2; j < all.size(); j++) {
            for (int i = 1; i < j; i++) {
                out.add(List.of(all.get(j), all.get(i)));
            }
        }
        return List.copyOf(out);
    }

    /**
     * @param candidate a backbone after the first
     * @param metric index into {@link #METRICS}
     * @return the seeds where both the candidate and the reference finished with the metric defined
     */
    public List<Long> pairedSeeds(String candidate, int metric) {
        return pairedSeeds(candidate, reference(), metric);
    }

    /**
     * @param a one backbone
     * @param b another
     * @param metric index into {@link #METRICS}
     * @return the seeds where both finished with the metric defined
     */
    public List<Long> pairedSeeds(String a, String b, int metric) {
        List<Long> out = new ArrayList<>();
        for (long s : seeds()) {
            RunResult x = result(a, s);
            RunResult y = result(b, s);
            if (x != null && y != null && Double.isFinite(x.points(metric)) && Double.isFinite(y.points(metric))) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * @param candidate a backbone after the first
     * @param metric index into {@link #METRICS}
     * @return candidate minus reference, seed by seed, with its confidence interval
     */
    public PairedStatistics.Difference difference(String candidate, int metric) {
        return difference(candidate, reference(), metric);
    }

    /**
     * @param a one backbone
     * @param b another
     * @param metric index into {@link #METRICS}
     * @return a minus b, seed by seed, with its confidence interval
     */
    public PairedStatistics.Difference difference(String a, String b, int metric) {
        List<Long> seeds = pairedSeeds(a, b, metric);
        double[] x = new double[seeds.size()];
        double[] y = new double[seeds.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = result(a, seeds.get(i)).points(metric);
            y[i] = result(b, seeds.get(i)).points(metric);
        }
        return PairedStatistics.difference(x, y);
    }

    /** @return the verdict on AP of each candidate against the reference, one sentence each */
    public List<String> verdicts() {
        List<String> out = new ArrayList<>();
        for (String c : candidates()) {
            out.add(Verdict.of(c, reference(), difference(c, 0)));
        }
        return out;
    }

    /** @return mean training throughput of a backbone over its finished seeds (images/s) */
    public double imagesPerSecond(String backbone) {
        return PairedStatistics.mean(results(backbone).stream()
                .mapToDouble(RunResult::imagesPerSecond)
                .filter(v -> v > 0)
                .toArray());
    }
}
