package org.cardinal.tools;

import ai.djl.Device;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cardinal.detector.zoo.ArtifactRepository;
import org.cardinal.detector.zoo.CardinalModelZoo;
import org.cardinal.detector.zoo.DetectorArtifact;

/**
 * Resolves the {@code --model} option of predict / evaluate to a zoo artifact and loads it
 * through DJL's {@link Criteria}: an artifact folder, a run folder (its {@code model/}), a URL of
 * an artifact, or an artifact id of the configured zoo ({@code -Dcardinal.zoo} / {@code CARDINAL_ZOO}).
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
        Path p = Path.of(spec);
        ArtifactRepository repo;
        String id;
        if (Files.isDirectory(p)) {
            Path dir = DetectorArtifact.isArtifact(p) ? p : p.resolve("model");
            if (!DetectorArtifact.isArtifact(dir)) {
                throw new IllegalArgumentException("--model " + spec + ": neither a model artifact (no "
                        + DetectorArtifact.METADATA + ") nor a run folder with model/" + DetectorArtifact.METADATA);
            }
            dir = dir.toAbsolutePath().normalize();
            repo = ArtifactRepository.of(dir.getParent().toString());
            id = dir.getFileName().toString();
        } else if (spec.matches("^[A-Za-z][A-Za-z0-9+.-]+:.*") && spec.contains(":/")) {
            repo = ArtifactRepository.of(spec);
            List<String> ids = repo.list();
            if (ids.size() != 1) {
                throw new IllegalArgumentException(
                        "--model " + spec + ": expected the URL of one artifact folder, found a " + "repository of "
                                + ids.size() + " artifacts " + ids);
            }
            id = ids.get(0);
        } else {
            CardinalModelZoo zoo = CardinalModelZoo.configured();
            repo = null;
            for (ArtifactRepository r : zoo.repositories()) {
                if (r.list().contains(spec)) {
                    repo = r;
                    break;
                }
            }
            if (repo == null) {
                throw new IllegalArgumentException(
                        "--model " + spec + ": no such folder, and no artifact of that id in " + "the model zoo "
                                + zoo.repositories() + " (set CARDINAL_ZOO or -Dcardinal.zoo)");
            }
            id = spec;
        }
        Path local = repo.resolve(id);
        DetectorArtifact artifact = DetectorArtifact.read(local);
        Criteria.Builder<Image, DetectedObjects> b = Criteria.builder()
                .setTypes(Image.class, DetectedObjects.class)
                .optModelZoo(CardinalModelZoo.of(local.getParent()))
                .optArtifactId(local.getFileName().toString());
        if (device != null) {
            b = b.optDevice(parseDevice(device));
        }
        return new Resolved(artifact, b.build());
    }

    static Device parseDevice(String device) {
        switch (device) {
            case "cpu":
                return Device.cpu();
            case "gpu":
                return Device.gpu();
            default:
                if (device.matches("gpu:\\d+")) {
                    return Device.gpu(Integer.parseInt(device.substring(4)));
                }
                throw new IllegalArgumentException("--device: expected cpu, gpu or gpu:N, found '" + device + "'");
        }
    }
}
