package org.cardinal.coco.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cardinal.coco.CocoEvalResult;
import org.cardinal.coco.CocoEvaluator;
import org.cardinal.coco.CocoGroundTruth;
import org.cardinal.coco.CocoResults;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CocoBenchmarkSetTest {
    @TempDir
    Path dir;

    private static void write(CocoBenchmarkSet set, Path folder) throws IOException {
        Files.createDirectories(folder);
        try (OutputStream gt = Files.newOutputStream(folder.resolve("gt.json"));
                OutputStream dt = Files.newOutputStream(folder.resolve("dt.json"))) {
            set.write(gt, dt);
        }
    }

    @Test
    void sameSeedSameFilesAndTheAdvertisedShape() throws Exception {
        write(new CocoBenchmarkSet(60, 7, 20, 3), dir.resolve("a"));
        write(new CocoBenchmarkSet(60, 7, 20, 3), dir.resolve("b"));
        for (String f : new String[] {"gt.json", "dt.json"}) {
            assertArrayEquals(
                    Files.readAllBytes(dir.resolve("a").resolve(f)),
                    Files.readAllBytes(dir.resolve("b").resolve(f)),
                    f);
        }
        CocoGroundTruth gt = CocoGroundTruth.read(dir.resolve("a/gt.json"));
        assertEquals(60, gt.imageIds().length);
        assertEquals(7, gt.categories().size());
        assertTrue(gt.numAnnotations() >= 60 && gt.numAnnotations() <= 60 * 12, "1..12 boxes per image");
        CocoResults dt = CocoResults.read(dir.resolve("a/dt.json"));
        assertEquals(60 * 20, dt.size());
        CocoEvaluator evaluator = new CocoEvaluator(gt);
        evaluator.addResults(dt);
        double ap = evaluator.evaluate().stats()[0];
        assertTrue(ap > 0.05 && ap < 0.9, "a detector-like mix of hits and misses, AP " + ap);
    }

    /** The full 5000-image set: both readers agree on 3M numbers, and so do the evaluations. */
    @Test
    @Tag("long")
    void fullSizeSetReadsTheSameWithBothReaders() throws Exception {
        write(new CocoBenchmarkSet(5000, 80, 100, 1), dir);
        CocoGroundTruth gt = CocoGroundTruth.read(dir.resolve("gt.json"));
        assertTrue(
                gt.numAnnotations() > 30000 && gt.numAnnotations() < 36000, "about 33k boxes: " + gt.numAnnotations());
        CocoResults fast = CocoResults.read(dir.resolve("dt.json"));
        CocoResults streaming = CocoResults.readStreaming(dir.resolve("dt.json"));
        assertEquals(500000, fast.size());
        for (int i = 0; i < fast.size(); i++) {
            if (!fast.detection(i).equals(streaming.detection(i)) || fast.imageId(i) != streaming.imageId(i)) {
                throw new AssertionError("record " + i + ": " + fast.detection(i) + " vs " + streaming.detection(i));
            }
        }
        CocoEvaluator a = new CocoEvaluator(gt);
        a.addResults(fast);
        CocoEvaluator b = new CocoEvaluator(gt);
        b.addResults(streaming);
        CocoEvalResult ra = a.evaluate();
        assertArrayEquals(ra.stats(), b.evaluate().stats());
        assertEquals(80, ra.perCategoryAp().size());
    }
}
