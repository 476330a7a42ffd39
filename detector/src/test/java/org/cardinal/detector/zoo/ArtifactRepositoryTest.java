package org.cardinal.detector.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Remote repositories served over HTTP by an in-process server: what an index may name, and
 * what a download must match before it lands in the cache. The artifact files are placeholders:
 * a repository moves files, it does not read models.
 */
class ArtifactRepositoryTest {

    @TempDir
    Path dir;

    private HttpServer server;
    private Path served;
    private Path cache;

    @BeforeEach
    void serveAFolder() throws IOException {
        served = Files.createDirectories(dir.resolve("www"));
        cache = dir.resolve("cache");
        System.setProperty("cardinal.cache", cache.toString());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            Path f = served.resolve(exchange.getRequestURI().getPath().substring(1))
                    .normalize();
            boolean ok = f.startsWith(served) && Files.isRegularFile(f);
            byte[] body = ok ? Files.readAllBytes(f) : new byte[0];
            exchange.sendResponseHeaders(ok ? 200 : 404, ok ? body.length : -1);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        // the same files, except that every weights file is an endless stream of unknown length
        server.createContext("/endless/", exchange -> {
            Path f = served.resolve(exchange.getRequestURI().getPath().substring(1))
                    .normalize();
            if (f.getFileName().toString().equals(DetectorArtifact.WEIGHTS)) {
                exchange.sendResponseHeaders(200, 0); // chunked: no length declared
                byte[] chunk = new byte[1 << 16];
                try (OutputStream out = exchange.getResponseBody()) {
                    for (long sent = 0; sent < (1L << 32); sent += chunk.length) {
                        out.write(chunk);
                    }
                } catch (IOException clientGone) {
                    // the reader stopped reading, as it should
                }
                return;
            }
            boolean ok = f.startsWith(served) && Files.isRegularFile(f);
            byte[] body = ok ? Files.readAllBytes(f) : new byte[0];
            exchange.sendResponseHeaders(ok ? 200 : 404, ok ? body.length : -1);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        System.clearProperty("cardinal.cache");
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    /** An artifact folder of placeholder files, each with distinct content. */
    private void writeArtifact(String id) throws IOException {
        Path a = Files.createDirectories(served.resolve(id));
        for (String f : DetectorArtifact.FILES) {
            Files.writeString(a.resolve(f), id + "/" + f + "\n");
        }
    }

    private static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    @Test
    void theIndexRecordsEachFilesSha256() throws Exception {
        writeArtifact("tiny");
        writeArtifact("other");
        JsonObject index = JsonParser.parseString(Files.readString(ArtifactRepository.writeIndex(served)))
                .getAsJsonObject();
        assertEquals("[\"other\",\"tiny\"]", index.get("artifacts").toString());
        for (String id : List.of("tiny", "other")) {
            JsonObject sums = index.getAsJsonObject("sha256").getAsJsonObject(id);
            assertEquals(DetectorArtifact.FILES.size(), sums.size());
            for (String f : DetectorArtifact.FILES) {
                assertEquals(sha256(served.resolve(id).resolve(f)), sums.get(f).getAsString(), id + "/" + f);
            }
        }
    }

    @Test
    void hostileIdsInAnIndexAreSkippedAndNothingIsWrittenOutsideTheCache() throws Exception {
        writeArtifact("tiny");
        ArtifactRepository.writeIndex(served);
        JsonObject index = JsonParser.parseString(Files.readString(served.resolve("index.json")))
                .getAsJsonObject();
        // the server also has a folder the hostile ids point at, so only the validation stops them
        writeArtifact("escape");
        String hostile = "[\"../../escape\", \"tiny\", \"..\", \".hidden\", \"\", \"a/b\", \"a\\\\b\", \"c:d\","
                + " \"x\\u0000y\", 5, null]";
        index.add("artifacts", JsonParser.parseString(hostile));
        Files.writeString(served.resolve("index.json"), index.toString());

        ArtifactRepository repo = ArtifactRepository.of(url());
        assertEquals(List.of("tiny"), repo.list(), "only the plain folder name is listed");
        for (String id : List.of("../../escape", "..", ".hidden", "", "a/b", "a\\b", "c:d")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> repo.resolve(id));
            assertTrue(
                    e.getMessage().contains("artifact id '" + id + "'")
                            && e.getMessage().contains(url()),
                    e.getMessage());
        }
        Path tiny = repo.resolve("tiny");
        assertTrue(tiny.startsWith(cache), tiny.toString());
        try (Stream<Path> all = Files.walk(dir)) {
            assertFalse(
                    all.anyMatch(p -> p.getFileName().toString().equals("escape") && !p.startsWith(served)),
                    "an artifact named by a hostile id was written");
        }
    }

    @Test
    void aDownloadThatDoesNotMatchTheIndexIsRefusedNamingTheFileAndDeleted() throws Exception {
        writeArtifact("tiny");
        ArtifactRepository.writeIndex(served);
        Path weights = served.resolve("tiny").resolve(DetectorArtifact.WEIGHTS);
        byte[] good = Files.readAllBytes(weights);
        Files.writeString(weights, "tampered after the index was written\n");
        ArtifactRepository repo = ArtifactRepository.of(url());

        IOException e = assertThrows(IOException.class, () -> repo.resolve("tiny"));
        assertTrue(
                e.getMessage().contains(DetectorArtifact.WEIGHTS)
                        && e.getMessage().contains("SHA-256")
                        && e.getMessage().contains(sha256(weights)),
                e.getMessage());
        try (Stream<Path> left = Files.walk(cache)) {
            assertEquals(List.of(), left.filter(Files::isRegularFile).toList(), "nothing of the download is left");
        }

        Files.write(weights, good);
        Path ok = repo.resolve("tiny");
        assertArrayEquals(good, Files.readAllBytes(ok.resolve(DetectorArtifact.WEIGHTS)));
        for (String f : DetectorArtifact.FILES) {
            assertEquals(sha256(served.resolve("tiny").resolve(f)), sha256(ok.resolve(f)), f);
        }
    }

    @Test
    void anArtifactWithoutRecordedChecksumsIsRefusedUnlessTheyAreMadeOptional() throws Exception {
        writeArtifact("tiny");
        Files.writeString(served.resolve("index.json"), "{\"artifacts\": [\"tiny\"]}", StandardCharsets.UTF_8);
        ArtifactRepository repo = ArtifactRepository.of(url());
        assertEquals(List.of("tiny"), repo.list(), "it is listed");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> repo.resolve("tiny"));
        assertEquals(
                "model repository " + url() + ": no index.json records the SHA-256 of the files of artifact 'tiny',"
                        + " so a download cannot be checked (write one with ArtifactRepository.writeIndex, or set"
                        + " -Dcardinal.zoo.require_sha256=false to download it unverified)",
                e.getMessage());
        assertFalse(Files.exists(cache), "nothing was downloaded");
        // the URL of the artifact folder itself, with no index above it: the same
        assertThrows(
                IllegalArgumentException.class,
                () -> ArtifactRepository.of(url() + "tiny/").resolve("tiny"));

        // made optional: by the option, or the system property the tools pass on
        Path got = repo.requireChecksums(false).resolve("tiny");
        assertEquals("tiny/artifact.json\n", Files.readString(got.resolve(DetectorArtifact.METADATA)));
        System.setProperty(ArtifactRepository.REQUIRE_SHA256_PROPERTY, "false");
        try {
            Path single = ArtifactRepository.of(url() + "tiny/").resolve("tiny");
            assertEquals("tiny/artifact.json\n", Files.readString(single.resolve(DetectorArtifact.METADATA)));
            System.setProperty(ArtifactRepository.REQUIRE_SHA256_PROPERTY, "maybe");
            IllegalArgumentException bad =
                    assertThrows(IllegalArgumentException.class, () -> ArtifactRepository.of(url()));
            assertEquals("-Dcardinal.zoo.require_sha256=maybe: expected true or false", bad.getMessage());
        } finally {
            System.clearProperty(ArtifactRepository.REQUIRE_SHA256_PROPERTY);
        }
    }

    @Test
    void theUrlOfOneArtifactIsCheckedAgainstTheIndexOfTheFolderAbove() throws Exception {
        writeArtifact("tiny");
        ArtifactRepository.writeIndex(served);
        Files.writeString(served.resolve("tiny").resolve(DetectorArtifact.SYNSET), "tampered\n");
        IOException e = assertThrows(
                IOException.class, () -> ArtifactRepository.of(url() + "tiny").resolve("tiny"));
        assertTrue(
                e.getMessage().contains(DetectorArtifact.SYNSET)
                        && e.getMessage().contains("SHA-256"),
                e.getMessage());
        ArtifactRepository.writeIndex(served);
        Path ok = ArtifactRepository.of(url() + "tiny").resolve("tiny");
        assertEquals("tampered\n", Files.readString(ok.resolve(DetectorArtifact.SYNSET)));
    }

    @Test
    void downloadsAreCappedWhateverTheServerDeclares() throws Exception {
        writeArtifact("tiny");
        ArtifactRepository.writeIndex(served);
        // a declared length over the cap: refused before reading
        IOException declared = assertThrows(
                IOException.class,
                () -> ArtifactRepository.of(url()).maxDownloadBytes(10).resolve("tiny"));
        assertTrue(
                declared.getMessage().contains("bytes, more than the 10 a download may have")
                        && declared.getMessage().contains("-Dcardinal.zoo.max_download_bytes"),
                declared.getMessage());

        // no length declared and no end: read to the cap, then refused and deleted
        Files.createDirectories(served.resolve("endless"));
        Files.move(served.resolve("tiny"), served.resolve("endless").resolve("tiny"));
        ArtifactRepository.writeIndex(served.resolve("endless"));
        System.setProperty(ArtifactRepository.MAX_DOWNLOAD_BYTES_PROPERTY, Long.toString(1 << 20));
        try {
            long start = System.nanoTime();
            IOException endless = assertThrows(
                    IOException.class,
                    () -> ArtifactRepository.of(url() + "endless/").resolve("tiny"));
            assertTrue(
                    endless.getMessage()
                            .contains(DetectorArtifact.WEIGHTS + " is longer than the 1048576 bytes a"
                                    + " download may have"),
                    endless.getMessage());
            assertTrue((System.nanoTime() - start) / 1e9 < 30, "it stopped at the cap");
        } finally {
            System.clearProperty(ArtifactRepository.MAX_DOWNLOAD_BYTES_PROPERTY);
        }
        try (Stream<Path> left = Files.walk(cache)) {
            assertEquals(List.of(), left.filter(Files::isRegularFile).toList(), "nothing of the download is left");
        }
    }

    @Test
    void aMalformedOrPartialChecksumRecordIsAnErrorNamingTheField() throws Exception {
        writeArtifact("tiny");
        Files.writeString(
                served.resolve("index.json"),
                "{\"artifacts\": [\"tiny\"], \"sha256\": {\"tiny\": {\"config.json\": \"abc\"}}}");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ArtifactRepository.of(url()).list());
        assertEquals(
                url() + "index.json: field 'sha256.tiny'['config.json']: expected 64 hexadecimal digits"
                        + " (a SHA-256)",
                e.getMessage());
        // a record that leaves out a file would leave that file unverified
        Files.writeString(
                served.resolve("index.json"),
                "{\"artifacts\": [\"tiny\"], \"sha256\": {\"tiny\":" + " {\"config.json\": \""
                        + sha256(served.resolve("tiny/config.json")) + "\"}}}");
        IllegalArgumentException partial = assertThrows(
                IllegalArgumentException.class,
                () -> ArtifactRepository.of(url()).resolve("tiny"));
        assertTrue(
                partial.getMessage()
                        .startsWith(
                                url() + "index.json: field 'sha256.tiny': no entry for " + DetectorArtifact.METADATA),
                partial.getMessage());
    }
}
