package org.cardinal.coco;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad files give one clear message naming the file, the record and what was wrong. */
class BadInputTest {
    @TempDir
    Path dir;

    private static final String GT =
            "{\"images\": [{\"id\": 1}, {\"id\": 2}], \"categories\": [{\"id\": 3, \"name\": \"cat\"}],"
                    + " \"annotations\": [{\"id\": 1, \"image_id\": 1, \"category_id\": 3, \"bbox\": [10, 10, 20, 20],"
                    + " \"area\": 400, \"iscrowd\": 0}]}";

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private String resultsError(String json) throws IOException {
        Path p = write("dt.json", json);
        CocoFormatException e = assertThrows(CocoFormatException.class, () -> CocoResults.read(p));
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line");
        // the fast parser hands every error to gson's reader: both give the same message
        CocoFormatException streaming = assertThrows(CocoFormatException.class, () -> CocoResults.readStreaming(p));
        assertEquals(e.getMessage(), streaming.getMessage());
        return e.getMessage().substring(p.toString().length() + 2);
    }

    private String groundTruthError(String json) throws IOException {
        Path p = write("gt.json", json);
        CocoFormatException e = assertThrows(CocoFormatException.class, () -> CocoGroundTruth.read(p));
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        return e.getMessage().substring(p.toString().length() + 2);
    }

    private static String det(String imageId, String bbox, String score) {
        return "{\"image_id\": " + imageId + ", \"category_id\": 3, \"bbox\": " + bbox + ", \"score\": " + score + "}";
    }

    @Test
    void missingFieldNamesTheRecord() throws IOException {
        assertEquals(
                "results[1]: missing field 'score'",
                resultsError("[" + det("1", "[1, 2, 3, 4]", "0.5")
                        + ", {\"image_id\": 1, \"category_id\": 3, \"bbox\": [1, 2, 3, 4]}]"));
    }

    @Test
    void negativeWidthNamesTheRecord() throws IOException {
        assertEquals(
                "results[0]: bbox width -3.0 is negative", resultsError("[" + det("1", "[1, 2, -3, 4]", "0.5") + "]"));
        assertEquals(
                "annotations[0]: bbox height -1.0 is negative",
                groundTruthError(GT.replace("[10, 10, 20, 20]", "[1, 1, 2, -1]")));
    }

    @Test
    void wrongTypesAndShapes() throws IOException {
        assertEquals(
                "results[0].score: expected a number, found a string",
                resultsError("[" + det("1", "[1, 2, 3, 4]", "\"high\"") + "]"));
        assertEquals(
                "results[0].bbox: expected 4 numbers [x, y, width, height], found 3",
                resultsError("[" + det("1", "[1, 2, 3]", "0.5") + "]"));
        assertEquals(
                "results[0].image_id: expected an integer id",
                resultsError("[" + det("1.5", "[1, 2, 3, 4]", "0.5") + "]"));
        assertEquals("expected a JSON list of results, found an object", resultsError("{\"results\": []}"));
        assertEquals(
                "annotations[0].bbox: expected 4 numbers [x, y, width, height], found 2",
                groundTruthError(GT.replace("[10, 10, 20, 20]", "[10, 10]")));
        assertEquals("annotations[0]: missing field 'area'", groundTruthError(GT.replace("\"area\": 400, ", "")));
        assertEquals(
                "images: missing field (a list of {\"id\": ...})",
                groundTruthError("{\"categories\": [], \"annotations\": []}"));
        assertEquals(
                "annotations[1]: duplicate annotation id 1",
                groundTruthError(GT.replace(
                        "]}",
                        ", {\"id\": 1, \"image_id\": 2, \"category_id\": 3, \"bbox\": [1, 1, 2, 2], \"area\": 4}]}")));
    }

    @Test
    void malformedJsonAndMissingFiles() throws IOException {
        assertTrue(resultsError("[" + det("1", "[1, 2, 3, 4]", "0.5")).startsWith("malformed JSON: "));
        assertTrue(resultsError("[{\"image_id\": 1,, }]").startsWith("malformed JSON: "));
        assertTrue(resultsError("").startsWith("malformed JSON: "));
        assertTrue(groundTruthError("{\"images\": [").startsWith("malformed JSON: "));
        Path missing = dir.resolve("nope.json");
        assertEquals(
                missing + ": no such file",
                assertThrows(CocoFormatException.class, () -> CocoResults.read(missing))
                        .getMessage());
        assertEquals(
                missing + ": no such file",
                assertThrows(CocoFormatException.class, () -> CocoGroundTruth.read(missing))
                        .getMessage());
    }

    @Test
    void resultForAnImageNotInTheGroundTruthIsAnError() throws IOException {
        CocoGroundTruth gt = CocoGroundTruth.read(write("gt.json", GT));
        Path dt = write(
                "dt.json", "[" + det("1", "[1, 2, 3, 4]", "0.5") + ", " + det("999", "[1, 2, 3, 4]", "0.5") + "]");
        CocoEvaluator evaluator = new CocoEvaluator(gt);
        CocoFormatException e =
                assertThrows(CocoFormatException.class, () -> evaluator.addResults(CocoResults.read(dt)));
        assertEquals(dt + ": results[1].image_id: 999 is not an image id of the ground truth", e.getMessage());
        assertEquals(0, evaluator.numDetections(), "nothing of the bad file is kept");
        IllegalArgumentException inProcess = assertThrows(
                IllegalArgumentException.class, () -> evaluator.add(7, List.of(new ScoredBox(3, 1, 2, 3, 4, 0.5))));
        assertEquals("image id 7 is not an image of the ground truth", inProcess.getMessage());
    }

    @Test
    void resultsForUnknownCategoriesAreIgnoredWithAWarning() throws IOException {
        CocoGroundTruth gt = CocoGroundTruth.read(write("gt.json", GT));
        String good = det("1", "[10, 10, 20, 20]", "0.9") + ", " + det("2", "[5, 5, 10, 10]", "0.8");
        Path withUnknown = write(
                "dt.json",
                "[" + good + ", "
                        + det("1", "[10, 10, 20, 20]", "0.95").replace("\"category_id\": 3", "\"category_id\": 42")
                        + "]");
        CocoEvaluator a = new CocoEvaluator(gt);
        a.addResults(CocoResults.read(withUnknown));
        assertEquals(
                List.of("1 detection(s) of categories not in the ground truth were ignored (category ids [42])"),
                a.warnings());
        CocoEvaluator b = new CocoEvaluator(gt);
        b.addResults(CocoResults.read(write("dt2.json", "[" + good + "]")));
        assertArrayEquals(b.evaluate().stats(), a.evaluate().stats());
        assertEquals(List.of(), b.warnings());
    }

    @Test
    void unusualButValidFilesAreRead() throws IOException {
        // escaped keys, ids written as 1.0, nested extra fields, exponents: all valid JSON
        Path p = write(
                "dt.json",
                "[{\"image\\u005fid\": 1, \"category_id\": 3.0, \"bbox\": [1e1, 1.0E+1, 2e1, 20],"
                        + " \"score\": 9e-1, \"segmentation\": {\"counts\": \"a\\\"b\", \"size\": [1, [2, {}]]}, \"x\": null},"
                        + " {\"score\": 0.5, \"bbox\": [0, 0, 1, 1], \"category_id\": 3, \"image_id\": 2, \"ok\": true}]");
        CocoResults r = CocoResults.read(p);
        assertEquals(2, r.size());
        assertEquals(new ScoredBox(3, 10, 10, 20, 20, 0.9), r.detection(0));
        assertEquals(1, r.imageId(0));
        assertEquals(new ScoredBox(3, 0, 0, 1, 1, 0.5), r.detection(1));
        CocoEvaluator evaluator = new CocoEvaluator(CocoGroundTruth.read(write("gt.json", GT)));
        evaluator.addResults(r);
        assertEquals(1.0, evaluator.evaluate().stats()[1], 1e-12, "AP50: the one box is found first");
    }
}
