package org.cardinal.detector.zoo;

import org.cardinal.core.io.AtomicFiles;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where model artifacts live: a local folder or any URL Java can open (file:, http:, https:,
 * jar:). A repository is a folder of artifact folders ({@code <repo>/<artifact id>/artifact.json},
 * ...); a URL pointing at one artifact folder is a repository of that single artifact.
 *
 * <p>A local repository is listed by its sub-folders. A remote one cannot be listed, so it holds
 * an {@code index.json} ({@code {"artifacts": ["id", ...]}}); its artifacts are downloaded once
 * into a cache folder ({@code ~/.cardinal/cache}, or the {@code cardinal.cache} system property),
 * each file through a temporary file and an atomic rename.
 */
public final class ArtifactRepository {

    /** Name of the index of a remote repository. */
    public static final String INDEX = "index.json";

    private final URI uri;

    private ArtifactRepository(URI uri) {
        this.uri = uri;
    }

    /**
     * @param location a folder path or a URL
     * @throws IllegalArgumentException if the location is neither
     */
    public static ArtifactRepository of(String location) {
        String s = location.strip();
        if (s.matches("^[A-Za-z][A-Za-z0-9+.-]+:.*") && !s.matches("^[A-Za-z]:[\\\\/].*")) {
            try {
                URI u = new URI(s);
                return new ArtifactRepository(u.getScheme().equals("file") ? Path.of(u).toUri() : u);
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new IllegalArgumentException("model repository '" + location + "': not a valid URL: "
                        + e.getMessage());
            }
        }
        return new ArtifactRepository(Path.of(s).toAbsolutePath().normalize().toUri());
    }

    public URI uri() {
        return uri;
    }

    private boolean isLocal() {
        return "file".equals(uri.getScheme());
    }

    /** Artifact ids in this repository (empty if it does not exist). */
    public List<String> list() throws IOException {
        List<String> ids = new ArrayList<>();
        if (isLocal()) {
            Path root = Path.of(uri);
            if (DetectorArtifact.isArtifact(root)) {
                return List.of(root.getFileName().toString());
            }
            if (!Files.isDirectory(root)) {
                return ids;
            }
            try (Stream<Path> s = Files.list(root)) {
                s.filter(DetectorArtifact::isArtifact).map(p -> p.getFileName().toString()).sorted().forEach(ids::add);
            }
            return ids;
        }
        if (exists(child(DetectorArtifact.METADATA))) {
            // the URL is one artifact folder
            String path = uri.getPath() == null ? uri.toString() : uri.getPath();
            String[] parts = path.replaceAll("/+$", "").split("/");
            return List.of(parts[parts.length - 1].replaceAll("!$", ""));
        }
        URI index = child(INDEX);
        JsonElement json;
        try (InputStream in = index.toURL().openStream()) {
            json = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(index + ": malformed JSON: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IOException("cannot read the index of model repository " + uri + " (" + index + "): " + e, e);
        }
        JsonArray arr = json.isJsonObject() && json.getAsJsonObject().has("artifacts")
                ? json.getAsJsonObject().getAsJsonArray("artifacts") : null;
        if (arr == null) {
            throw new IllegalArgumentException(index + ": field 'artifacts': expected an array of artifact ids");
        }
        arr.forEach(e -> ids.add(e.getAsString()));
        return ids;
    }

    /**
     * A local folder holding the artifact, downloading it first from a remote repository.
     *
     * @throws IllegalArgumentException if the repository has no such artifact
     */
    public Path resolve(String artifactId) throws IOException {
        if (isLocal()) {
            Path root = Path.of(uri);
            if (DetectorArtifact.isArtifact(root) && root.getFileName().toString().equals(artifactId)) {
                return root;
            }
            Path dir = root.resolve(artifactId);
            if (!DetectorArtifact.isArtifact(dir)) {
                throw new IllegalArgumentException("model repository " + root + " has no artifact '" + artifactId
                        + "' (expected " + dir.resolve(DetectorArtifact.METADATA) + ")");
            }
            return dir;
        }
        boolean single = exists(child(DetectorArtifact.METADATA));
        Path cache = cacheRoot().resolve(sha1(uri.toString())).resolve(artifactId);
        if (DetectorArtifact.isArtifact(cache)) {
            return cache;
        }
        Files.createDirectories(cache.getParent());
        Path tmp = Files.createTempDirectory(cache.getParent(), artifactId + ".tmp");
        try {
            for (String f : DetectorArtifact.FILES) {
                URI src = single ? child(f) : child(artifactId + "/" + f);
                try (InputStream in = src.toURL().openStream()) {
                    Files.copy(in, tmp.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new IOException("cannot download " + src + ": " + e, e);
                }
            }
            Files.move(tmp, cache, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            if (Files.exists(tmp)) {
                AtomicFiles.deleteTree(tmp);
            }
        }
        return cache;
    }

    private URI child(String name) {
        String base = uri.toString();
        return URI.create(base.endsWith("/") ? base + name : base + "/" + name);
    }

    private static boolean exists(URI u) {
        try (InputStream in = u.toURL().openStream()) {
            return in != null;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    private static Path cacheRoot() {
        String p = System.getProperty("cardinal.cache");
        return p != null ? Path.of(p) : Path.of(System.getProperty("user.home"), ".cardinal", "cache");
    }

    private static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(s.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return uri.toString();
    }

    /** Writes {@code index.json} listing the artifacts of a local repository, so it can be served as a URL. */
    public static Path writeIndex(Path repository) throws IOException {
        JsonArray arr = new JsonArray();
        for (String id : of(repository.toString()).list()) {
            arr.add(id);
        }
        JsonObject o = new JsonObject();
        o.add("artifacts", arr);
        Path index = repository.resolve(INDEX);
        Path tmp = Files.createTempFile(repository, INDEX, ".tmp");
        Files.writeString(tmp, o + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, index, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return index;
    }
}
