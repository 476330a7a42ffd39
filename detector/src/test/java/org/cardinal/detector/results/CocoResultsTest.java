package org.cardinal.detector.results;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.modality.cv.output.BoundingBox;
import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.modality.cv.output.Rectangle;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.cardinal.coco.ScoredBox;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.zoo.DetectorArtifact;
import org.junit.jupiter.api.Test;

/** What every tool writes for a model's detections: ids, records, the file. */
class CocoResultsTest {

    @Test
    void imageIdsComeFromTheNameElseThePositionAndRepeatsAreFound() {
        assertEquals(123, ImageIds.of("000123.png", 5));
        assertEquals(7, ImageIds.of("img_7.jpg", 1));
        assertEquals(3, ImageIds.of("cat.png", 3));
        assertEquals(
                List.of(
                        "image id 1 is given to both d/x1.png and d/y1.jpg",
                        "image id 2 is given to both d/b2.png and" + " d/c.png"),
                ImageIds.repeated(List.of("d/x1.png", "d/y1.jpg", "d/b2.png", "d/c.png"), new long[] {1, 1, 2, 2}));
        assertEquals(List.of(), ImageIds.repeated(List.of("a", "b"), new long[] {1, 2}));
    }

    @Test
    void detectionsBecomeFloat32PixelBoxesWithTheArtifactsCategoryIds() throws Exception {
        DetectorArtifact artifact = new DetectorArtifact(
                "t",
                "",
                DetectorConfig.defaults().withNumClasses(3),
                List.of("cat", "dog"),
                new int[] {17, 18},
                "",
                null);
        DetectedObjects detected = new DetectedObjects(
                List.of("dog", "horse"),
                List.of(0.9, 0.1),
                List.<BoundingBox>of(new Rectangle(0.1, 0.2, 0.3, 0.4), new Rectangle(0, 0, 1, 1)));
        List<CocoDetection> records = new CocoCategories(artifact).detections(detected, 100, 50);
        assertEquals(new CocoDetection("dog", 18, 10f, 10f, 30f, 20f, 0.9f), records.get(0));
        assertEquals(-1, records.get(1).categoryId(), "a name the artifact does not list");
        // what a reader of the file gets: 0.9f written as "0.9"
        assertEquals(new ScoredBox(18, 10, 10, 30, 20, 0.9), records.get(0).toScoredBox());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CocoResultsWriter writer = new CocoResultsWriter(out);
        writer.add(42, "a&b.jpg", records.subList(0, 1));
        writer.finish();
        assertEquals(1, writer.count());
        assertEquals(
                "[{\"image_id\":42,\"file_name\":\"a\\u0026b.jpg\",\"category_id\":18,\"bbox\":[10.0,10.0,30.0,20.0],"
                        + "\"score\":0.9}]\n",
                out.toString(StandardCharsets.UTF_8));
    }
}
