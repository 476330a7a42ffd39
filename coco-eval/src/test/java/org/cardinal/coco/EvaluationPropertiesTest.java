package org.cardinal.coco;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Invariants any correct COCO evaluation satisfies, on the shared and module cases. */
class EvaluationPropertiesTest {

    private static Path gtFile(String where) {
        return where.startsWith("shared:")
                ? ReferenceCases.sharedCases().resolve(where.substring(7)).resolve("gt.json")
                : ReferenceCases.moduleCases().resolve(where).resolve("gt.json");
    }

    /** Every ground-truth box (crowd ones too) detected exactly, score 1: AP and AR@100 are 1. */
    @ParameterizedTest
    @ValueSource(strings = {"shared:basic", "shared:crowd", "mask_area", "ties"})
    void groundTruthAgainstItselfGivesApOne(String where) throws Exception {
        Path file = gtFile(where);
        CocoGroundTruth gt = CocoGroundTruth.read(file);
        CocoEvaluator evaluator = new CocoEvaluator(gt);
        JsonObject json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        for (JsonElement e : json.getAsJsonArray("annotations")) {
            JsonObject a = e.getAsJsonObject();
            JsonArray b = a.getAsJsonArray("bbox");
            evaluator.add(
                    a.get("image_id").getAsLong(),
                    List.of(new ScoredBox(
                            a.get("category_id").getAsInt(),
                            b.get(0).getAsDouble(),
                            b.get(1).getAsDouble(),
                            b.get(2).getAsDouble(),
                            b.get(3).getAsDouble(),
                            1.0)));
        }
        CocoEvalResult result = evaluator.evaluate();
        double[] stats = result.stats();
        for (int i : new int[] {0, 1, 2, 3, 4, 5, 8, 9, 10, 11}) {
            assertTrue(
                    stats[i] == -1 || Math.abs(stats[i] - 1) < 1e-12,
                    where + ": " + CocoEvalResult.STAT_NAMES.get(i) + " = " + stats[i]);
        }
        assertEquals(1.0, stats[0], 1e-12, where + ": AP");
        for (Map.Entry<Integer, Double> ap : result.perCategoryAp().entrySet()) {
            assertTrue(ap.getValue() == -1 || Math.abs(ap.getValue() - 1) < 1e-12, where + ": category " + ap);
        }
    }

    /** Every detection moved far outside the image: nothing matches, every defined number is 0. */
    @ParameterizedTest
    @ValueSource(strings = {"shared:basic", "shared:crowd", "shared:empty", "many_dets"})
    void shiftingEveryDetectionFarAwayGivesZero(String where) throws Exception {
        Path gtPath = gtFile(where);
        CocoResults results = CocoResults.read(gtPath.resolveSibling("dt.json"));
        CocoEvaluator evaluator = new CocoEvaluator(CocoGroundTruth.read(gtPath));
        for (int i = 0; i < results.size(); i++) {
            ScoredBox d = results.detection(i);
            evaluator.add(
                    results.imageId(i),
                    List.of(new ScoredBox(d.categoryId(), d.x() + 1e6, d.y() + 1e6, d.width(), d.height(), d.score())));
        }
        CocoEvalResult result = evaluator.evaluate();
        double[] stats = result.stats();
        for (int i = 0; i < stats.length; i++) {
            assertTrue(
                    stats[i] == 0 || stats[i] == -1,
                    where + ": " + CocoEvalResult.STAT_NAMES.get(i) + " = " + stats[i]);
        }
        assertEquals(0.0, stats[0], where + ": AP");
        for (double ap : result.perCategoryAp().values()) {
            assertTrue(ap == 0 || ap == -1, where + ": per-category AP " + ap);
        }
    }

    /** With distinct scores the order of the results file is irrelevant. */
    @ParameterizedTest
    @ValueSource(strings = {"shared:basic", "shared:crowd", "many_dets", "ties"})
    void permutingDistinctScoreDetectionsChangesNothing(String where) throws Exception {
        Path gtPath = gtFile(where);
        CocoGroundTruth gt = CocoGroundTruth.read(gtPath);
        CocoResults results = CocoResults.read(gtPath.resolveSibling("dt.json"));
        List<long[]> imageIds = new ArrayList<>();
        List<ScoredBox> detections = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            ScoredBox d = results.detection(i);
            // distinct scores that keep the file's ranking wherever it had no tie
            double score = d.score() + i * 1e-9;
            detections.add(new ScoredBox(d.categoryId(), d.x(), d.y(), d.width(), d.height(), score));
            imageIds.add(new long[] {results.imageId(i)});
        }
        CocoEvalResult original = evaluate(gt, imageIds, detections);
        List<Integer> permutation = new ArrayList<>();
        for (int i = 0; i < detections.size(); i++) {
            permutation.add(i);
        }
        for (long seed = 1; seed <= 3; seed++) {
            Collections.shuffle(permutation, new Random(seed));
            List<long[]> ids2 = new ArrayList<>();
            List<ScoredBox> dets2 = new ArrayList<>();
            for (int i : permutation) {
                ids2.add(imageIds.get(i));
                dets2.add(detections.get(i));
            }
            CocoEvalResult permuted = evaluate(gt, ids2, dets2);
            assertArrayEquals(original.stats(), permuted.stats(), where + ": stats after shuffle " + seed);
            assertEquals(original.perCategoryAp(), permuted.perCategoryAp(), where + ": per-category AP");
        }
    }

    private static CocoEvalResult evaluate(CocoGroundTruth gt, List<long[]> imageIds, List<ScoredBox> detections) {
        CocoEvaluator evaluator = new CocoEvaluator(gt);
        for (int i = 0; i < detections.size(); i++) {
            evaluator.add(imageIds.get(i)[0], List.of(detections.get(i)));
        }
        return evaluator.evaluate();
    }

    /** Feeding image by image in process gives exactly what the results file gives. */
    @ParameterizedTest
    @ValueSource(strings = {"shared:crowd", "ties", "unknown_categories"})
    void imageByImageEqualsResultsFile(String where) throws Exception {
        Path gtPath = gtFile(where);
        CocoGroundTruth gt = CocoGroundTruth.read(gtPath);
        CocoResults results = CocoResults.read(gtPath.resolveSibling("dt.json"));
        CocoEvaluator fromFile = new CocoEvaluator(gt);
        fromFile.addResults(results);
        Map<Long, List<ScoredBox>> byImage = new java.util.TreeMap<>();
        for (int i = 0; i < results.size(); i++) {
            byImage.computeIfAbsent(results.imageId(i), k -> new ArrayList<>()).add(results.detection(i));
        }
        CocoEvaluator inProcess = new CocoEvaluator(gt);
        byImage.forEach(inProcess::add);
        CocoEvalResult a = fromFile.evaluate();
        CocoEvalResult b = inProcess.evaluate();
        assertArrayEquals(a.stats(), b.stats(), where);
        assertEquals(a.perCategoryAp(), b.perCategoryAp(), where);
        assertEquals(fromFile.warnings(), inProcess.warnings(), where);
        // evaluating again after adding more must see the new detections: a top-scored false positive
        // on an image with ground truth of its category lowers that category's precision
        JsonObject first = JsonParser.parseString(Files.readString(gtPath))
                .getAsJsonObject()
                .getAsJsonArray("annotations")
                .get(0)
                .getAsJsonObject();
        long image = first.get("image_id").getAsLong();
        ScoredBox falsePositive = new ScoredBox(first.get("category_id").getAsInt(), 1e6, 1e6, 10, 10, 1.0);
        inProcess.add(image, List.of(falsePositive));
        CocoEvaluator fresh = new CocoEvaluator(gt);
        fresh.addResults(results);
        fresh.add(image, List.of(falsePositive));
        CocoEvalResult again = inProcess.evaluate();
        assertArrayEquals(fresh.evaluate().stats(), again.stats(), where + ": re-evaluation");
        assertTrue(
                again.stats()[0] < b.stats()[0],
                where + ": AP after a new false positive " + again.stats()[0] + " must be below " + b.stats()[0]);
    }
}
