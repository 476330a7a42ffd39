package org.cardinal.detector.zoo;

import ai.djl.Device;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.repository.zoo.Criteria;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code --model} option of the tools that run a model ({@code tools/predict},
 * {@code tools/evaluate}, {@code tools/spark-detect}): finds the local artifact folder it names
 * and builds the DJL {@link Criteria} that loads it.
 */
public final class ModelLocator {

    private ModelLocator() {}

    /**
     * Finds the artifact folder of {@code spec}: an artifact folder, a run folder (its
     * {@code model/}), the URL of one artifact (downloaded once into Cardinal's cache), or an
     * artifact id of the configured model zoo ({@code CARDINAL_ZOO} or {@code -Dcardinal.zoo}).
     *
     * @param spec the option's value
     * @return the local artifact folder, absolute
     * @throws IllegalArgumentException naming {@code --model} when nothing of that name is found
     * @throws IOException if a repository cannot be read
     */
    public static Path locate(String spec) throws IOException {
        boolean url = spec.matches("^[A-Za-z][A-Za-z0-9+.-]+:/.*");
        Path dir;
        if (!url && Files.isDirectory(Path.of(spec))) {
            Path local = Path.of(spec);
            dir = DetectorArtifact.isArtifact(local) ? local : local.resolve("model");
            if (!DetectorArtifact.isArtifact(dir)) {
                throw new IllegalArgumentException("--model " + spec + ": neither a model artifact (no "
                        + DetectorArtifact.METADATA + ") nor a run folder with model/" + DetectorArtifact.METADATA);
            }
        } else if (url) {
            ArtifactRepository repo = ArtifactRepository.of(spec);
            List<String> ids = repo.list();
            if (ids.size() != 1) {
                throw new IllegalArgumentException("--model " + spec + ": expected the URL of one artifact folder,"
                        + " found a repository of " + ids.size() + " artifacts " + ids);
            }
            dir = repo.resolve(ids.get(0));
        } else {
            CardinalModelZoo zoo = CardinalModelZoo.configured();
            dir = null;
            for (ArtifactRepository r : zoo.repositories()) {
                if (r.list().contains(spec)) {
                    dir = r.resolve(spec);
                    break;
                }
            }
            if (dir == null) {
                throw new IllegalArgumentException("--model " + spec + ": no such folder, and no artifact of that id"
                        + " in the model zoo " + zoo.repositories() + " (set CARDINAL_ZOO or -Dcardinal.zoo)");
            }
        }
        return dir.toAbsolutePath().normalize();
    }

    /**
     * @param artifactDir a local artifact folder
     * @param device where the model runs, or null for DJL's default
     * @return the criteria that load it through Cardinal's model zoo
     */
    public static Criteria<Image, DetectedObjects> criteria(Path artifactDir, Device device) {
        return Criteria.builder()
                .setTypes(Image.class, DetectedObjects.class)
                .optModelZoo(CardinalModelZoo.of(artifactDir.getParent()))
                .optArtifactId(artifactDir.getFileName().toString())
                .optDevice(device)
                .build();
    }
}
