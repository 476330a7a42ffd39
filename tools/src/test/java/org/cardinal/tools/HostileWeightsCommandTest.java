package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tools/import-weights} and {@code tools/backbone-features}, run as the launchers run them (a
 * child JVM), given hostile weight files: each exits with code 2 and exactly one line on stderr that
 * names the file and what is wrong, whatever the environment makes the JVM print itself (the child
 * runs with {@code JAVA_TOOL_OPTIONS} set, so the JVM adds its "Picked up ..." banner).
 */
class HostileWeightsCommandTest {
    /** Lines the JVM itself prints to stderr when these variables are set; not the tool's output. */
    private static final Pattern JVM_BANNER =
            Pattern.compile("^(NOTE: )?Picked up (JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS): .*");

    @TempDir
    static Path dir;

    static Path cyclic;
    static Path overflowing;
    static Path expanded;
    static Path input;

    @BeforeAll
    static void writeHostileFiles() throws IOException {
        // {'w': L} with L = [L]
        cyclic = dir.resolve("cyclic.pth");
        writePth(
                cyclic,
                bytes("\\x80\\x02}X\\x01\\x00\\x00\\x00w]r\\x00\\x00\\x00\\x00j\\x00\\x00\\x00\\x00as."),
                new byte[0]);
        // a tensor of 2^62 float32 elements in 0 bytes
        overflowing = dir.resolve("overflowing.safetensors");
        byte[] json = "{\"w\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904], \"data_offsets\": [0, 0]}}"
                .getBytes(StandardCharsets.UTF_8);
        Files.write(
                overflowing,
                ByteBuffer.allocate(8 + json.length)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(json.length)
                        .put(json)
                        .array());
        // {'w': one float expanded by stride 0 to 16384 x 16384 (1 GiB)}
        expanded = dir.resolve("expanded.pth");
        writePth(
                expanded,
                bytes(
                        "\\x80\\x02}X\\x01\\x00\\x00\\x00wctorch._utils\\n_rebuild_tensor_v2\\n((X\\x07\\x00\\x00\\x00storage"
                                + "ctorch\\nFloatStorage\\nX\\x01\\x00\\x00\\x000X\\x03\\x00\\x00\\x00cpuK\\x01tQK\\x00"
                                + "M\\x00\\x40M\\x00\\x40\\x86K\\x00K\\x00\\x86\\x89ccollections\\nOrderedDict\\n)RtRs."),
                new byte[4]);
        input = dir.resolve("x.npy"); // never read: the weights fail first
        Files.writeString(input, "not read");
    }

    private static byte[] bytes(String s) {
        // "\xNN" escapes for binary, "\n" for a newline, everything else literal ASCII
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            if (s.startsWith("\\x", i)) {
                out.write(Integer.parseInt(s.substring(i + 2, i + 4), 16));
                i += 3;
            } else if (s.startsWith("\\n", i)) {
                out.write('\n');
                i++;
            } else {
                out.write(s.charAt(i));
            }
        }
        return out.toByteArray();
    }

    private static void writePth(Path f, byte[] pickle, byte[] storage) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bos)) {
            z.putNextEntry(new ZipEntry("archive/data.pkl"));
            z.write(pickle);
            z.putNextEntry(new ZipEntry("archive/data/0"));
            z.write(storage);
            z.closeEntry();
        }
        Files.write(f, bos.toByteArray());
    }

    /** Runs {@code main} of a tool in a child JVM; returns the tool's stderr lines (banners dropped). */
    private static List<String> failsWithTwo(String tool, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "org.cardinal.tools." + tool));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("JAVA_TOOL_OPTIONS", "-Dfile.encoding=UTF-8");
        Process proc = pb.start();
        String err = new String(proc.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(proc.waitFor(120, TimeUnit.SECONDS), tool + " did not end");
        assertEquals(2, proc.exitValue(), err);
        List<String> lines = err.lines()
                .filter(l -> !l.isBlank() && !JVM_BANNER.matcher(l).matches())
                .toList();
        assertEquals(1, lines.size(), err);
        assertTrue(lines.get(0).startsWith("error: "), err);
        return lines;
    }

    @Test
    void importWeightsRefusesHostileFilesWithOneLine() throws Exception {
        String line =
                failsWithTwo("ImportWeights", "--weights", cyclic.toString()).get(0);
        assertTrue(line.contains(cyclic + ": ") && line.contains("contains itself"), line);
        line = failsWithTwo("ImportWeights", "--weights", overflowing.toString())
                .get(0);
        assertTrue(
                line.contains(overflowing + ": ") && line.contains("tensor 'w'") && line.contains("overflows"), line);
        line = failsWithTwo("ImportWeights", "--weights", expanded.toString()).get(0);
        assertTrue(line.contains(expanded + ": ") && line.contains("tensor 'w'") && line.contains("budget"), line);
    }

    @Test
    void backboneFeaturesRefusesHostileFilesWithOneLine() throws Exception {
        for (Path f : List.of(cyclic, overflowing, expanded)) {
            String line = failsWithTwo(
                            "BackboneFeatures",
                            "--arch",
                            "resnet_tiny",
                            "--weights",
                            f.toString(),
                            "--input",
                            input.toString())
                    .get(0);
            assertTrue(line.contains(f + ": ") && line.contains("WeightsFormatException"), line);
        }
    }
}
