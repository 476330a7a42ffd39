package org.cardinal.tools;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the project's own files (configs) whether a tool runs from the project folder or from
 * anywhere else: a relative path is tried against the working folder first, then against the
 * project root (the folder holding {@code tools/target/classes}), and a bare name is looked up as
 * {@code configs/<kind>/<name>.json}.
 */
final class ProjectFiles {

    private ProjectFiles() {}

    /** The project root, or the working folder when the classes do not sit in a checkout. */
    static Path projectRoot() {
        try {
            Path classes = Path.of(ProjectFiles.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            // .../tools/target/classes -> ...
            Path root = classes.getParent() == null ? null : classes.getParent().getParent();
            root = root == null ? null : root.getParent();
            if (root != null && Files.isDirectory(root.resolve("configs"))) {
                return root;
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // fall through: not loaded from a folder
        }
        return Path.of("").toAbsolutePath();
    }

    /**
     * Resolves a config given as a path or a name.
     *
     * @param spec a path ("configs/detectors/x.json", "/abs/x.json") or a name ("x")
     * @param kind the configs sub-folder ("detectors", "compare")
     * @throws IllegalArgumentException naming what was tried when nothing exists
     */
    static Path config(String spec, String kind) {
        Path given = Path.of(spec);
        if (Files.isRegularFile(given)) {
            return given;
        }
        Path root = projectRoot();
        if (!given.isAbsolute() && Files.isRegularFile(root.resolve(given))) {
            return root.resolve(given);
        }
        Path named = root.resolve("configs").resolve(kind).resolve(spec.endsWith(".json") ? spec : spec + ".json");
        if (!spec.contains("/") && Files.isRegularFile(named)) {
            return named;
        }
        throw new IllegalArgumentException(spec + ": config file not found (tried " + given.toAbsolutePath()
                + (spec.contains("/") ? "" : " and " + named) + ")");
    }
}
