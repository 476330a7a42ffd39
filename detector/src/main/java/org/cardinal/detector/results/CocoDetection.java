package org.cardinal.detector.results;

import java.io.Serializable;
import org.cardinal.coco.ScoredBox;

/**
 * One detection as a record of a COCO results file, at the precision the model computes in
 * (float32): the box in pixels of the image, {@code [x, y, width, height]}.
 *
 * @param className the model's class name
 * @param categoryId the artifact's COCO category id for the class, -1 for a name it does not list
 * @param x left edge
 * @param y top edge
 * @param width box width
 * @param height box height
 * @param score confidence
 */
public record CocoDetection(String className, int categoryId, float x, float y, float width, float height, float score)
        implements Serializable {

    /**
     * The detection as an evaluator takes it, with exactly the numbers a reader of the results
     * file gets (each float written as Java's {@code Float.toString} and read back as a double),
     * so that {@code tools/coco-eval} on the file gives the evaluation's numbers.
     */
    public ScoredBox toScoredBox() {
        return new ScoredBox(categoryId, written(x), written(y), written(width), written(height), written(score));
    }

    static double written(float v) {
        return Double.parseDouble(Float.toString(v));
    }
}
