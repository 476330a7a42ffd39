package org.cardinal.tools;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the project's own files (configs) whether a tool runs from the project folder or from
 * anywhere else: a relative path is tried against the working folder first, then against the
 * project root, and a bare name is looked up as {@code configs/<kind>/<name>.json}. The project
 * root is the folder named by the system property {@value #HOME_PROPERTY} (the bundle's launchers
 * set it to the bundle's folder, which ships {@code configs/}), else the checkout holding {@code
 * tools/target/classes}.
 */
final class ProjectFiles {

    /** The system property naming the folder that holds {@code configs/}. */
    static final String HOME_PROPERTY = "cardinal.home";

    private ProjectFiles() {}

    /**
     * The folder of {@value #HOME_PROPERTY} when it holds {@code configs/}, else the checkout the
     * classes sit in, else the working folder.
     */
    static Path projectRoot() {
        String home = System.getProperty(HOME_PROPERTY, "");
        if (!home.isBlank() && Files.isDirectory(Path.of(home).resolve("configs"))) {
            return Path.of(home).toAbsolutePath();
        }
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
