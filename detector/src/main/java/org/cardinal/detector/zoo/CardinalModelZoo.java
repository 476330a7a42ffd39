package org.cardinal.detector.zoo;

import ai.djl.repository.zoo.ModelLoader;
import ai.djl.repository.zoo.ModelZoo;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cardinal's model zoo (group id {@value #GROUP_ID}): the detector artifacts of one or more
 * repositories (see {@link ArtifactRepository}), loadable with DJL's {@code Criteria}.
 *
 * <pre>{@code
 * Criteria<Image, DetectedObjects> c = Criteria.builder()
 *         .setTypes(Image.class, DetectedObjects.class)
 *         .optGroupId(CardinalModelZoo.GROUP_ID)       // the zoo registered through ServiceLoader
 *         .optArtifactId("demo_tiny_fpn")
 *         .build();                                    // repositories: -Dcardinal.zoo or CARDINAL_ZOO
 * // or an explicit repository (folder or URL):
 * Criteria.builder().setTypes(Image.class, DetectedObjects.class)
 *         .optModelZoo(CardinalModelZoo.of("https://example.org/models/")).optArtifactId("x").build();
 * }</pre>
 *
 * <p>The zoo registered through {@code ServiceLoader} reads its repositories when it is asked
 * for models, not once, so artifacts written by a running program are found: the system property
 * {@code cardinal.zoo}, else the environment variable {@code CARDINAL_ZOO} (locations separated by
 * the platform's path separator or commas), else {@code ~/.cardinal/zoo}.
 *
 * <p>DJL asks every registered zoo for its models when a {@code Criteria} names no group id, so
 * this zoo never throws from its listing: a repository that cannot be read (a dead URL, a
 * malformed index) or a configured location that is not one is skipped with a warning (once
 * per repository and reason), and the other repositories, and the other zoos, still answer.
 */
public final class CardinalModelZoo extends ModelZoo {

    /** Group id of Cardinal's models. */
    public static final String GROUP_ID = "org.cardinal.detector";

    private static final Logger LOG = LoggerFactory.getLogger(CardinalModelZoo.class);
    /** Warnings already given: DJL lists the zoo on every model lookup. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private final List<ArtifactRepository> fixed;

    private CardinalModelZoo(List<ArtifactRepository> fixed) {
        this.fixed = fixed;
    }

    /** The zoo of the configured repositories (what the {@code ZooProvider} registers). */
    public static CardinalModelZoo configured() {
        return new CardinalModelZoo(null);
    }

    /** A zoo over the given repositories (folders or URLs). */
    public static CardinalModelZoo of(String... locations) {
        List<ArtifactRepository> repos = new ArrayList<>();
        for (String l : locations) {
            repos.add(ArtifactRepository.of(l));
        }
        return new CardinalModelZoo(List.copyOf(repos));
    }

    /** A zoo over one repository folder. */
    public static CardinalModelZoo of(Path repository) {
        return of(repository.toString());
    }

    /** The repositories this zoo searches, in order. */
    public List<ArtifactRepository> repositories() {
        if (fixed != null) {
            return fixed;
        }
        String spec = System.getProperty("cardinal.zoo");
        if (spec == null || spec.isBlank()) {
            spec = System.getenv("CARDINAL_ZOO");
        }
        if (spec == null || spec.isBlank()) {
            spec = Path.of(System.getProperty("user.home"), ".cardinal", "zoo").toString();
        }
        List<ArtifactRepository> repos = new ArrayList<>();
        // URLs contain ':' so the separators are ',' and, for plain folders, the path separator
        for (String part : spec.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            if (part.contains("://") || part.startsWith("jar:") || part.startsWith("file:")) {
                addConfigured(repos, part);
            } else {
                for (String p : part.split(File.pathSeparator)) {
                    if (!p.isBlank()) {
                        addConfigured(repos, p);
                    }
                }
            }
        }
        return repos;
    }

    private static void addConfigured(List<ArtifactRepository> repos, String location) {
        try {
            repos.add(ArtifactRepository.of(location));
        } catch (RuntimeException e) {
            warnOnce("model repository '" + location + "' (cardinal.zoo / CARDINAL_ZOO) skipped: " + e.getMessage());
        }
    }

    private static void warnOnce(String message) {
        if (WARNED.add(message)) {
            LOG.warn(message);
        }
    }

    @Override
    public String getGroupId() {
        return GROUP_ID;
    }

    @Override
    public Set<String> getSupportedEngines() {
        return Set.of(DetectorModelLoader.ENGINE);
    }

    /**
     * Loaders of every artifact of every repository; the first repository wins for a repeated id.
     * A repository that cannot be listed is left out with a warning, never an exception.
     */
    @Override
    public Collection<ModelLoader> getModelLoaders() {
        Map<String, ModelLoader> loaders = new LinkedHashMap<>();
        for (ArtifactRepository repo : repositories()) {
            List<String> ids;
            try {
                ids = repo.list();
            } catch (Exception e) {
                // an exception here would fail every other zoo's lookup in the same Criteria
                warnOnce("model repository " + repo + " skipped: " + e.getMessage());
                continue;
            }
            for (String id : ids) {
                loaders.putIfAbsent(id, new DetectorModelLoader(repo, id));
            }
        }
        return List.copyOf(loaders.values());
    }

    @Override
    public ModelLoader getModelLoader(String name) {
        for (ModelLoader l : getModelLoaders()) {
            if (l.getArtifactId().equals(name)) {
                return l;
            }
        }
        return null;
    }
}
