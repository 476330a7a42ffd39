package org.cardinal.tools;

import ai.djl.Device;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Path;
import org.cardinal.detector.train.DeviceSelection;
import org.cardinal.detector.zoo.DetectorArtifact;
import org.cardinal.detector.zoo.ModelLocator;

/**
 * Resolves the {@code --model} and {@code --device} options of predict / evaluate to a zoo
 * artifact ({@link ModelLocator}) and the DJL {@link Criteria} that loads it.
 */
final class ModelSource {

    /** The artifact and the Criteria that loads it. */
    record Resolved(DetectorArtifact artifact, Criteria<Image, DetectedObjects> criteria) {
        ZooModel<Image, DetectedObjects> load() throws Exception {
            return criteria.loadModel();
        }
    }

    private ModelSource() {}

    static Resolved resolve(String spec, String device) throws Exception {
        Device d = device == null ? null : DeviceSelection.single("--device", device);
        Path dir = ModelLocator.locate(spec);
        return new Resolved(DetectorArtifact.read(dir), ModelLocator.criteria(dir, d));
    }
}
