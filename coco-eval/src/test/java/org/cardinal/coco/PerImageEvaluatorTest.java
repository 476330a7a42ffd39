package org.cardinal.coco;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The split evaluation (image by image, serialized, accumulated in any order) against the
 * in-process {@link CocoEvaluator} on the same results file: every number bit for bit, on the
 * module's pycocotools cases (ties, crowd regions, annotation id 0, more than 100 detections per
 * image, unknown categories, image and category subsets, other thresholds and area ranges).
 */
class PerImageEvaluatorTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "ties",
                "mask_area",
                "many_dets",
                "unknown_categories",
                "crowd_zero_id",
                "boundaries",
                "params_iou_maxdets",
                "params_subsets",
                "params_area",
                "params_area_labels"
            })
    void givesTheInProcessNumbersBitForBit(String name) throws Exception {
        Path dir = ReferenceCases.moduleCases().resolve(name);
        CocoEvalParams params = PycocotoolsCasesTest.params(ReferenceCases.readJson(dir.resolve("params.json")));
        CocoGroundTruth gt = CocoGroundTruth.read(dir.resolve("gt.json"));
        CocoResults results = CocoResults.read(dir.resolve("dt.json"));
        CocoEvaluator inProcess = new CocoEvaluator(gt, params);
        inProcess.addResults(results);
        CocoEvalResult expected = inProcess.evaluate();

        PerImageEvaluator split = new PerImageEvaluator(gt, params);
        List<ImageEvaluation> evaluations = new ArrayList<>();
        for (Map.Entry<Long, List<ScoredBox>> image : byImage(results).entrySet()) {
            evaluations.add(roundTrip(split.evaluate(image.getKey(), image.getValue())));
        }
        Collections.shuffle(evaluations, new Random(7));
        CocoEvalResult got = split.accumulate(evaluations);

        assertArrayEquals(expected.stats(), got.stats(), name + ": stats");
        assertEquals(expected.perCategoryAp(), got.perCategoryAp(), name + ": per-category AP");
        int numT = params.iouThrs().length;
        int numR = params.recThrs().length;
        int numK = expected.catIds().length;
        int numA = params.areaRanges().size();
        int numM = params.maxDets().length;
        for (int t = 0; t < numT; t++) {
            for (int k = 0; k < numK; k++) {
                for (int a = 0; a < numA; a++) {
                    for (int m = 0; m < numM; m++) {
                        assertEquals(expected.recall(t, k, a, m), got.recall(t, k, a, m), 0.0, name + ": recall");
                        for (int r = 0; r < numR; r++) {
                            assertEquals(
                                    expected.precision(t, r, k, a, m),
                                    got.precision(t, r, k, a, m),
                                    0.0,
                                    name + ": precision");
                        }
                    }
                }
            }
        }
        assertEquals(expected.summaryText(), got.summaryText(), name + ": summary");
        assertEquals(expected.toJson(), got.toJson(), name + ": JSON, warnings included");
    }

    @Test
    void anImageTwiceOrOutsideTheGroundTruthIsAnError() throws Exception {
        Path dir = ReferenceCases.moduleCases().resolve("ties");
        CocoGroundTruth gt = CocoGroundTruth.read(dir.resolve("gt.json"));
        PerImageEvaluator split = new PerImageEvaluator(gt, CocoEvalParams.defaults());
        long image = gt.imageIds()[0];
        ImageEvaluation once = split.evaluate(
                image, List.of(new ScoredBox(gt.categories().get(0).id(), 1, 2, 3, 4, 0.5)));
        IllegalArgumentException twice =
                assertThrows(IllegalArgumentException.class, () -> split.accumulate(List.of(once, once)));
        assertEquals("image " + image + " was evaluated twice", twice.getMessage());
        long absent = 1 + java.util.Arrays.stream(gt.imageIds()).max().getAsLong();
        assertThrows(IllegalArgumentException.class, () -> split.evaluate(absent, List.of()));
    }

    /** Detections grouped by image, each image's in file order. */
    private static Map<Long, List<ScoredBox>> byImage(CocoResults results) {
        Map<Long, List<ScoredBox>> images = new LinkedHashMap<>();
        for (int i = 0; i < results.size(); i++) {
            images.computeIfAbsent(results.imageId(i), id -> new ArrayList<>()).add(results.detection(i));
        }
        return images;
    }

    private static ImageEvaluation roundTrip(ImageEvaluation e) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(e);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (ImageEvaluation) in.readObject();
        }
    }
}
