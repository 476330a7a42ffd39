package org.cardinal.detector.zoo;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The {@code index.json} of a remote model repository: which artifacts it holds and the SHA-256
 * of each of their files, so that a download can be checked before it is used.
 *
 * <pre>
 *   {"artifacts": ["demo_tiny_fpn", ...],
 *    "sha256": {"demo_tiny_fpn": {"artifact.json": "64 hex digits", "config.json": ..., ...}, ...}}
 * </pre>
 *
 * Artifact ids become folder names in the download cache, so an id that is not a plain folder
 * name ({@link #checkArtifactId}) is never used: the index is data from another machine.
 * An index without {@code sha256} (written before checksums were recorded) still lists its
 * artifacts; their downloads are then not verified.
 *
 * @param artifacts the valid artifact ids, in index order
 * @param sha256 file name to lower-case hex SHA-256, per artifact id (absent: not recorded)
 */
record RepositoryIndex(List<String> artifacts, Map<String, Map<String, String>> sha256) {

    /** File name of the index in a repository. */
    static final String FILE = "index.json";

    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    /**
     * Throws unless {@code id} is a plain folder name: not empty, not hidden (a leading dot, which
     * also rules out {@code .} and {@code ..}), without {@code ..}, path separators, a drive colon
     * or control characters.
     *
     * @param where what the id came from, for the message
     */
    static void checkArtifactId(String id, String where) {
        boolean bad = id == null
                || id.isEmpty()
                || id.startsWith(".")
                || id.contains("..")
                || id.chars().anyMatch(c -> c == '/' || c == '\\' || c == ':' || c < 0x20 || c == 0x7f);
        if (bad) {
            // control characters are shown escaped: the id goes into log lines
            String shown = id == null
                    ? "null"
                    : "'"
                            + id.chars()
                                    .mapToObj(c -> c < 0x20 || c == 0x7f
                                            ? String.format("\\u%04x", c)
                                            : String.valueOf((char) c))
                                    .collect(Collectors.joining())
                            + "'";
            throw new IllegalArgumentException(where + ": artifact id " + shown
                    + " is not a plain folder name (expected no '/', '\\', ':' or '..', not empty, not"
                    + " starting with '.')");
        }
    }

    /**
     * Parses an index. Entries whose artifact id is not a plain folder name, or is not a string,
     * are reported to {@code warnings} and left out; a malformed structure is an error.
     *
     * @param source the index's location, for messages
     * @throws IllegalArgumentException naming the source and field when the JSON is malformed
     */
    static RepositoryIndex parse(String json, String source, Consumer<String> warnings) {
        JsonElement root;
        try {
            root = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(source + ": malformed JSON: " + e.getMessage(), e);
        }
        JsonElement arr = root.isJsonObject() ? root.getAsJsonObject().get("artifacts") : null;
        if (arr == null || !arr.isJsonArray()) {
            throw new IllegalArgumentException(source + ": field 'artifacts': expected an array of artifact ids");
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < arr.getAsJsonArray().size(); i++) {
            JsonElement e = arr.getAsJsonArray().get(i);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                warnings.accept(source + ": field 'artifacts'[" + i + "]: expected a string, skipped");
                continue;
            }
            try {
                checkArtifactId(e.getAsString(), source + ": field 'artifacts'[" + i + "]");
                ids.add(e.getAsString());
            } catch (IllegalArgumentException bad) {
                warnings.accept(bad.getMessage() + "; skipped");
            }
        }
        Map<String, Map<String, String>> sums = new LinkedHashMap<>();
        JsonElement s = root.getAsJsonObject().get("sha256");
        if (s != null) {
            if (!s.isJsonObject()) {
                throw new IllegalArgumentException(source + ": field 'sha256': expected an object of artifact ids");
            }
            for (String id : ids) {
                JsonElement files = s.getAsJsonObject().get(id);
                if (files == null) {
                    continue;
                }
                String field = source + ": field 'sha256." + id + "'";
                if (!files.isJsonObject()) {
                    throw new IllegalArgumentException(field + ": expected an object of file names");
                }
                Map<String, String> m = new LinkedHashMap<>();
                for (Map.Entry<String, JsonElement> f : files.getAsJsonObject().entrySet()) {
                    JsonElement v = f.getValue();
                    String hex = v.isJsonPrimitive() ? v.getAsString().toLowerCase(Locale.ROOT) : "";
                    if (!hex.matches("[0-9a-f]{64}")) {
                        throw new IllegalArgumentException(
                                field + "['" + f.getKey() + "']: expected 64 hexadecimal digits (a SHA-256)");
                    }
                    m.put(f.getKey(), hex);
                }
                sums.put(id, Map.copyOf(m));
            }
        }
        return new RepositoryIndex(List.copyOf(ids), Map.copyOf(sums));
    }

    /** The recorded checksums of an artifact's files (empty if the index records none). */
    Map<String, String> checksums(String artifactId) {
        return sha256.getOrDefault(artifactId, Map.of());
    }

    /** The index of local artifact folders, with the SHA-256 of each of their files. */
    static RepositoryIndex of(Path repository, List<String> artifactIds) throws IOException {
        Map<String, Map<String, String>> sums = new LinkedHashMap<>();
        for (String id : artifactIds) {
            Map<String, String> files = new LinkedHashMap<>();
            for (String f : DetectorArtifact.FILES) {
                try (InputStream in =
                        Files.newInputStream(repository.resolve(id).resolve(f))) {
                    files.put(f, sha256(in));
                }
            }
            sums.put(id, files);
        }
        return new RepositoryIndex(List.copyOf(artifactIds), sums);
    }

    /** The JSON text of this index. */
    String toJson() {
        JsonObject o = new JsonObject();
        JsonArray arr = new JsonArray();
        artifacts.forEach(arr::add);
        o.add("artifacts", arr);
        JsonObject sums = new JsonObject();
        sha256.forEach((id, files) -> {
            JsonObject f = new JsonObject();
            files.forEach(f::addProperty);
            sums.add(id, f);
        });
        o.add("sha256", sums);
        return GSON.toJson(o) + "\n";
    }

    /** Lower-case hex SHA-256 of everything the stream yields (read to its end). */
    static String sha256(InputStream in) throws IOException {
        MessageDigest md = newSha256();
        try (DigestInputStream d = new DigestInputStream(in, md)) {
            d.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }
}
