package org.cardinal.detector.zoo;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.cardinal.core.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where model artifacts live: a local folder or any URL Java can open (file:, http:, https:,
 * jar:). A repository is a folder of artifact folders ({@code <repo>/<artifact id>/artifact.json},
 * ...); a URL pointing at one artifact folder is a repository of that single artifact.
 *
 * <p>A local repository is listed by its sub-folders. A remote one cannot be listed, so it holds
 * an {@code index.json} ({@link #writeIndex}: the artifact ids and the SHA-256 of each of their
 * files); its artifacts are downloaded once into a cache folder ({@code ~/.cardinal/cache}, or
 * the {@code cardinal.cache} system property), each file into a temporary file that is checked
 * against the index's SHA-256 and then renamed, the folder renamed into place when complete.
 * An index entry that is not a plain folder name is skipped with a warning, so a hostile index
 * cannot make Cardinal write outside its cache. Remote reads time out (10 s to connect, 60 s
 * without data) rather than hang on a dead host.
 *
 * <p>What a server sends is bounded and checked: by default a remote artifact is downloaded only
 * if an index records the SHA-256 of each of its files (the repository's {@code index.json}, or
 * for the URL of one artifact folder the {@code index.json} of the folder above it);
 * {@value #REQUIRE_SHA256_PROPERTY}{@code =false} (or {@link #requireChecksums(boolean)}) downloads
 * unrecorded files unverified, with a warning. A file is read to at most
 * {@value #MAX_DOWNLOAD_BYTES_PROPERTY} bytes ({@link #DEFAULT_MAX_DOWNLOAD_BYTES} by default,
 * {@link #maxDownloadBytes(long)}) and an index to at most {@value #MAX_INDEX_BYTES} bytes, whatever
 * the server declares.
 */
public final class ArtifactRepository {

    /** Name of the index of a remote repository. */
    public static final String INDEX = RepositoryIndex.FILE;

    /** System property: whether a remote artifact needs recorded checksums ({@code true} or {@code false}). */
    public static final String REQUIRE_SHA256_PROPERTY = "cardinal.zoo.require_sha256";

    /** System property: the most bytes one downloaded file may have. */
    public static final String MAX_DOWNLOAD_BYTES_PROPERTY = "cardinal.zoo.max_download_bytes";

    /** The most bytes one downloaded file may have unless set otherwise: 4 GiB. */
    public static final long DEFAULT_MAX_DOWNLOAD_BYTES = 4L << 30;

    /** The most bytes an {@code index.json} may have. */
    static final int MAX_INDEX_BYTES = 16 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactRepository.class);
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final int READ_TIMEOUT_MS = 60_000;

    private final URI uri;
    private final boolean requireChecksums;
    private final long maxDownloadBytes;

    private ArtifactRepository(URI uri, boolean requireChecksums, long maxDownloadBytes) {
        this.uri = uri;
        this.requireChecksums = requireChecksums;
        this.maxDownloadBytes = maxDownloadBytes;
    }

    private ArtifactRepository(URI uri) {
        this(uri, requireChecksumsProperty(), maxDownloadBytesProperty());
    }

    /**
     * @param required whether a remote artifact is downloaded only when an index records the
     *     SHA-256 of each of its files
     * @return a copy of this repository with that policy
     */
    public ArtifactRepository requireChecksums(boolean required) {
        return new ArtifactRepository(uri, required, maxDownloadBytes);
    }

    /**
     * @param bytes the most bytes one downloaded file may have (positive)
     * @return a copy of this repository with that cap
     */
    public ArtifactRepository maxDownloadBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("the most bytes a download may have must be positive, got " + bytes);
        }
        return new ArtifactRepository(uri, requireChecksums, bytes);
    }

    private static boolean requireChecksumsProperty() {
        String v = System.getProperty(REQUIRE_SHA256_PROPERTY);
        if (v == null || v.isBlank()) {
            return true;
        }
        return switch (v.strip()) {
            case "true" -> true;
            case "false" -> false;
            default ->
                throw new IllegalArgumentException(
                        "-D" + REQUIRE_SHA256_PROPERTY + "=" + v + ": expected true or false");
        };
    }

    private static long maxDownloadBytesProperty() {
        String v = System.getProperty(MAX_DOWNLOAD_BYTES_PROPERTY);
        if (v == null || v.isBlank()) {
            return DEFAULT_MAX_DOWNLOAD_BYTES;
        }
        try {
            long n = Long.parseLong(v.strip());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "-D" + MAX_DOWNLOAD_BYTES_PROPERTY + "=" + v + ": expected a positive number of bytes");
    }

    /**
     * @param location a folder path or a URL
     * @throws IllegalArgumentException if the location is neither
     */
    public static ArtifactRepository of(String location) {
        String s = location.strip();
        if (s.matches("^[A-Za-z][A-Za-z0-9+.-]+:.*") && !s.matches("^[A-Za-z]:[\\\\/].*")) {
            URI u;
            try {
                u = new URI(s);
                u = u.getScheme().equals("file") ? Path.of(u).toUri() : u;
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "model repository '" + location + "': not a valid URL: " + e.getMessage());
            }
            return new ArtifactRepository(u);
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
                s.filter(DetectorArtifact::isArtifact)
                        .map(p -> p.getFileName().toString())
                        .sorted()
                        .forEach(ids::add);
            }
            return ids;
        }
        if (exists(child(DetectorArtifact.METADATA))) {
            return List.of(singleArtifactId());
        }
        return readIndex().artifacts();
    }

    /** The id of the artifact a remote URL points at directly: its last path segment. */
    private String singleArtifactId() {
        String path = uri.getPath() == null ? uri.toString() : uri.getPath();
        String[] parts = path.replaceAll("/+$", "").split("/");
        String id = parts[parts.length - 1].replaceAll("!$", "");
        RepositoryIndex.checkArtifactId(id, "model repository " + uri);
        return id;
    }

    /** The remote index; entries that are not plain folder names are skipped with a warning. */
    private RepositoryIndex readIndex() throws IOException {
        return readIndex(child(INDEX));
    }

    private RepositoryIndex readIndex(URI index) throws IOException {
        byte[] bytes;
        try (InputStream in = open(index)) {
            bytes = in.readNBytes(MAX_INDEX_BYTES + 1);
        } catch (IOException e) {
            throw new IOException("cannot read the index of model repository " + uri + " (" + index + "): " + e, e);
        }
        if (bytes.length > MAX_INDEX_BYTES) {
            throw new IOException(index + ": an index of more than " + MAX_INDEX_BYTES + " bytes; not read");
        }
        return RepositoryIndex.parse(new String(bytes, StandardCharsets.UTF_8), index.toString(), LOG::warn);
    }

    /**
     * The checksums of the single artifact this URL points at: those the {@code index.json} of the
     * folder above records for it, or none when there is no such index.
     */
    private Map<String, String> singleArtifactChecksums(String artifactId) throws IOException {
        String folder = uri.toString().replaceAll("/+$", "");
        URI parentIndex = URI.create(folder.substring(0, folder.lastIndexOf('/') + 1) + INDEX);
        if (!exists(parentIndex)) {
            return Map.of();
        }
        return readIndex(parentIndex).checksums(artifactId);
    }

    /**
     * A local folder holding the artifact, downloading it first from a remote repository.
     *
     * @throws IllegalArgumentException if the repository has no such artifact
     */
    public Path resolve(String artifactId) throws IOException {
        RepositoryIndex.checkArtifactId(artifactId, "model repository " + uri);
        if (isLocal()) {
            Path root = Path.of(uri);
            if (DetectorArtifact.isArtifact(root)
                    && root.getFileName().toString().equals(artifactId)) {
                return root;
            }
            Path dir = root.resolve(artifactId);
            if (!DetectorArtifact.isArtifact(dir)) {
                throw new IllegalArgumentException("model repository " + root + " has no artifact '" + artifactId
                        + "' (expected " + dir.resolve(DetectorArtifact.METADATA) + ")");
            }
            return dir;
        }
        Path cache = cacheRoot().resolve(sha1(uri.toString())).resolve(artifactId);
        if (DetectorArtifact.isArtifact(cache)) {
            return cache;
        }
        boolean single = exists(child(DetectorArtifact.METADATA));
        if (single && !singleArtifactId().equals(artifactId)) {
            throw new IllegalArgumentException("model repository " + uri + " is the single artifact '"
                    + singleArtifactId() + "', not '" + artifactId + "'");
        }
        Map<String, String> checksums =
                single ? singleArtifactChecksums(artifactId) : readIndex().checksums(artifactId);
        if (checksums.isEmpty()) {
            if (requireChecksums) {
                throw new IllegalArgumentException("model repository " + uri + ": no index.json records the SHA-256"
                        + " of the files of artifact '" + artifactId + "', so a download cannot be checked (write one"
                        + " with ArtifactRepository.writeIndex, or set -D" + REQUIRE_SHA256_PROPERTY
                        + "=false to download it unverified)");
            }
            LOG.warn("{}: no SHA-256 recorded for artifact '{}'; its files are downloaded unverified", uri, artifactId);
        }
        AtomicFiles.writeFolder(cache, tmp -> {
            for (String f : DetectorArtifact.FILES) {
                URI src = single ? child(f) : child(artifactId + "/" + f);
                String sha256 = checksums.get(f);
                if (!checksums.isEmpty() && sha256 == null) {
                    // a partial record would leave one file unverified without anyone noticing
                    throw new IllegalArgumentException(child(INDEX) + ": field 'sha256." + artifactId
                            + "': no entry for " + f + " (expected one for each of " + DetectorArtifact.FILES + ")");
                }
                download(src, tmp.resolve(f), sha256, f);
            }
        });
        return cache;
    }

    /**
     * Downloads {@code src} to {@code target} through {@code target.part}, renamed only when the
     * SHA-256 is {@code sha256} (if not null); a mismatching download is deleted.
     */
    private void download(URI src, Path target, String sha256, String file) throws IOException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        MessageDigest md = RepositoryIndex.newSha256();
        URLConnection c = connect(src);
        long declared = c.getContentLengthLong();
        if (declared > maxDownloadBytes) {
            throw new IOException(src + ": " + file + " has " + declared + " bytes, more than the "
                    + maxDownloadBytes + " a download may have (-D" + MAX_DOWNLOAD_BYTES_PROPERTY + "=N to change"
                    + " it); not downloaded");
        }
        long copied;
        try (InputStream in = new DigestInputStream(c.getInputStream(), md)) {
            // one byte more than the cap tells a longer file from one of exactly the cap
            copied = Files.copy(
                    new BoundedInputStream(in, maxDownloadBytes + 1), part, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(part);
            throw new IOException("cannot download " + src + ": " + e, e);
        }
        if (copied > maxDownloadBytes) {
            Files.delete(part);
            throw new IOException(src + ": " + file + " is longer than the " + maxDownloadBytes + " bytes a download"
                    + " may have (-D" + MAX_DOWNLOAD_BYTES_PROPERTY + "=N to change it); download deleted");
        }
        String got = HexFormat.of().formatHex(md.digest());
        if (sha256 != null && !sha256.equals(got)) {
            Files.delete(part);
            throw new IOException(src + ": " + file + " has SHA-256 " + got + " but " + child(INDEX)
                    + " records " + sha256 + " (download deleted; the file changed since the index was written,"
                    + " or was damaged on the way)");
        }
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Opens a URL with timeouts, so that a dead host fails instead of hanging. */
    private static InputStream open(URI u) throws IOException {
        return connect(u).getInputStream();
    }

    private static URLConnection connect(URI u) throws IOException {
        URLConnection c = u.toURL().openConnection();
        c.setConnectTimeout(CONNECT_TIMEOUT_MS);
        c.setReadTimeout(READ_TIMEOUT_MS);
        return c;
    }

    /** At most {@code limit} bytes of a stream. */
    private static final class BoundedInputStream extends FilterInputStream {
        private long left;

        BoundedInputStream(InputStream in, long limit) {
            super(in);
            left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }

    private URI child(String name) {
        String base = uri.toString();
        return URI.create(base.endsWith("/") ? base + name : base + "/" + name);
    }

    private static boolean exists(URI u) {
        try (InputStream in = open(u)) {
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
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)))
                    .substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return uri.toString();
    }

    /**
     * Writes {@code index.json} listing the artifacts of a local repository and the SHA-256 of each
     * of their files, so it can be served as a URL and downloads checked.
     */
    public static Path writeIndex(Path repository) throws IOException {
        RepositoryIndex index0 =
                RepositoryIndex.of(repository, of(repository.toString()).list());
        Path index = repository.resolve(INDEX);
        AtomicFiles.writeString(index, index0.toJson());
        return index;
    }
}
