package org.cardinal.detector.results;

import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.modality.cv.output.Rectangle;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.cardinal.detector.zoo.DetectorArtifact;

/**
 * Turns what a model artifact detects in one image ({@code DetectedObjects}, boxes relative to
 * the image) into COCO records: each box times the image's size, as float32, and each class name
 * mapped to the artifact's COCO category id (-1 for a name the artifact does not list). The one
 * conversion of every tool; serializable, so a Spark task can take it along.
 */
public final class CocoCategories implements Serializable {
    private static final long serialVersionUID = 1L;

    private final HashMap<String, Integer> idOfName = new HashMap<>();

    /**
     * @param artifact the model: its class names and their category ids
     */
    public CocoCategories(DetectorArtifact artifact) {
        int[] ids = artifact.categoryIds();
        for (int i = 0; i < ids.length; i++) {
            idOfName.putIfAbsent(artifact.classNames().get(i), ids[i]);
        }
    }

    /** @return the category id of a class name, -1 for a name the artifact does not list */
    public int categoryId(String className) {
        return idOfName.getOrDefault(className, -1);
    }

    /**
     * @param detected the model's output for one image
     * @param imageWidth the image's width in pixels
     * @param imageHeight its height
     * @return the detections in the model's order (highest score first)
     */
    public List<CocoDetection> detections(DetectedObjects detected, int imageWidth, int imageHeight) {
        List<CocoDetection> out = new ArrayList<>(detected.getNumberOfObjects());
        for (DetectedObjects.DetectedObject d : detected.<DetectedObjects.DetectedObject>items()) {
            Rectangle r = d.getBoundingBox().getBounds();
            out.add(new CocoDetection(
                    d.getClassName(),
                    categoryId(d.getClassName()),
                    (float) (r.getX() * imageWidth),
                    (float) (r.getY() * imageHeight),
                    (float) (r.getWidth() * imageWidth),
                    (float) (r.getHeight() * imageHeight),
                    (float) d.getProbability()));
        }
        return out;
    }
}
