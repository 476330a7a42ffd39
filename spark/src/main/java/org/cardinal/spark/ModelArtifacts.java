package org.cardinal.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.cardinal.detector.zoo.ArtifactRepository;
import org.cardinal.detector.zoo.CardinalModelZoo;
import org.cardinal.detector.zoo.DetectorArtifact;

/**
 * Finds the local artifact folder {@code --model} names, with tools/predict's rules: an artifact
 * folder, a run folder (its {@code model/}), the URL of one artifact (downloaded once into
 * Cardinal's cache), or an artifact id of the configured model zoo ({@code CARDINAL_ZOO} or
 * {@code -Dcardinal.zoo}). A folder on another Hadoop file system ({@code hdfs:}, {@code s3a:})
 * is copied to the driver first. The driver then ships the folder to the executors, which load
 * it through DJL's {@code Criteria}.
 */
final class ModelArtifacts {

    private ModelArtifacts() {}

    /** An artifact and the local folder it was read from. */
    record Resolved(Path dir, DetectorArtifact artifact) {}

    /**
     * Resolves and reads the artifact.
     *
     * @throws IllegalArgumentException naming {@code --model} when nothing of that name is found
     */
    static Resolved resolve(String spec, Configuration conf) throws IOException {
        Path local = null;
        if (LocalCopies.isRemote(spec)) {
            local = LocalCopies.of(spec, "--model", conf);
        } else if (!spec.matches("^[A-Za-z][A-Za-z0-9+.-]+:/.*") && Files.isDirectory(Path.of(spec))) {
            local = Path.of(spec);
        }
        Path dir;
        if (local != null) {
            dir = DetectorArtifact.isArtifact(local) ? local : local.resolve("model");
            if (!DetectorArtifact.isArtifact(dir)) {
                throw new IllegalArgumentException("--model " + spec + ": neither a model artifact (no "
                        + DetectorArtifact.METADATA + ") nor a run folder with model/" + DetectorArtifact.METADATA);
            }
        } else if (spec.matches("^[A-Za-z][A-Za-z0-9+.-]+:/.*")) {
            ArtifactRepository repo = ArtifactRepository.of(spec);
            List<String> ids = repo.list();
            if (ids.size() != 1) {
                throw new IllegalArgumentException(
                        "--model " + spec + ": expected the URL of one artifact folder, found a " + "repository of "
                                + ids.size() + " artifacts " + ids);
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
                throw new IllegalArgumentException(
                        "--model " + spec + ": no such folder, and no artifact of that id in " + "the model zoo "
                                + zoo.repositories() + " (set CARDINAL_ZOO or -Dcardinal.zoo)");
            }
        }
        dir = dir.toAbsolutePath().normalize();
        return new Resolved(dir, DetectorArtifact.read(dir));
    }
}
