package org.cardinal.detector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.DetectedObjects;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.backbone.weights.WeightsFormatException;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.train.TrainingRun;
import org.cardinal.detector.zoo.CardinalModelZoo;
import org.cardinal.detector.zoo.DetectorArtifact;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile weight file given to the detector's entry points (a run config's {@code weights} and
 * {@code backbone_weights}, a model-zoo artifact) ends in the tools' error policy as a user error:
 * exit code 2 and one line naming the file, not an internal error, a StackOverflowError or an
 * OutOfMemoryError.
 */
class HostileWeightsLoadingTest {
    private static final String TINY = "{\"backbone\": \"resnet_tiny\", \"num_classes\": 3, \"min_size\": 64,"
            + " \"max_size\": 96, \"fpn_channels\": 16, \"representation_size\": 32}";

    @TempDir
    static Path dir;

    /** {'w': L} with L = [L]: flattening it recursed until the stack overflowed. */
    static Path cyclic;
    /** A safetensors tensor of 2^62 float32 elements in 0 bytes: numel * 4 wrapped to 0. */
    static Path overflowing;
    /** One float expanded by stride 0 to 16384 x 16384 floats (1 GiB). */
    static Path expanded;

    @BeforeAll
    static void writeHostileFiles() throws IOException {
        cyclic = dir.resolve("cyclic.pth");
        writePth(
                cyclic,
                bytes("\\x80\\x02}X\\x01\\x00\\x00\\x00w]r\\x00\\x00\\x00\\x00j\\x00\\x00\\x00\\x00as."),
                new byte[0]);
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
        expanded = dir.resolve("expanded.pth");
        // {'w': _rebuild_tensor_v2(storage('0', FloatStorage, 1 element), 0, (16384, 16384), (0, 0), False,
        // OrderedDict())}
        writePth(
                expanded,
                bytes(
                        "\\x80\\x02}X\\x01\\x00\\x00\\x00wctorch._utils\\n_rebuild_tensor_v2\\n((X\\x07\\x00\\x00\\x00storage"
                                + "ctorch\\nFloatStorage\\nX\\x01\\x00\\x00\\x000X\\x03\\x00\\x00\\x00cpuK\\x01tQK\\x00"
                                + "M\\x00\\x40M\\x00\\x40\\x86K\\x00K\\x00\\x86\\x89ccollections\\nOrderedDict\\n)RtRs."),
                new byte[4]);
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

    /** Runs {@code action} under the tools' error policy; asserts exit 2 and one line naming {@code file}. */
    private static void exitsWithTwoNaming(Path file, Cli.Action action) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        int code = assertTimeoutPreemptively(
                Duration.ofSeconds(60),
                () -> Cli.execute(sink, new PrintStream(err, true, StandardCharsets.UTF_8), action));
        String text = err.toString(StandardCharsets.UTF_8);
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(2, code, text);
        assertEquals(1, lines.size(), text);
        assertTrue(lines.get(0).startsWith("error: ") && lines.get(0).contains(file.toString()), text);
    }

    private static RunConfig runWith(String field, Path file) {
        JsonObject run = JsonParser.parseString("{\"name\": \"hostile\", \"model\": " + TINY + "}")
                .getAsJsonObject();
        run.addProperty(field, file.toString());
        return RunConfig.fromJson(run, ConfigPath.root("hostile"));
    }

    @Test
    void aRunConfigsWeightsAndBackboneWeightsExitWithTwo() {
        for (Path f : List.of(cyclic, overflowing, expanded)) {
            for (String field : List.of("weights", "backbone_weights")) {
                RunConfig config = runWith(field, f);
                try (NDManager manager = NDManager.newBaseManager()) {
                    WeightsFormatException e =
                            assertThrows(WeightsFormatException.class, () -> TrainingRun.createModel(config, manager));
                    assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
                    exitsWithTwoNaming(f, () -> TrainingRun.createModel(config, manager));
                }
            }
        }
    }

    @Test
    void aModelZooArtifactWithHostileWeightsExitsWithTwo() throws IOException {
        DetectorConfig config =
                DetectorConfig.fromJson(JsonParser.parseString(TINY).getAsJsonObject(), ConfigPath.root("test"));
        Path repo = dir.resolve("repo");
        try (NDManager manager = NDManager.newBaseManager()) {
            FasterRcnn net = FasterRcnnFactory.create(config);
            net.initialize(manager, DataType.FLOAT32);
            new DetectorArtifact(
                            "hostile", "hostile weights", config, List.of("a", "b"), new int[] {1, 2}, "test", null)
                    .write(repo.resolve("hostile"), StateDicts.export(net));
        }
        Path weights = repo.resolve("hostile").resolve(DetectorArtifact.WEIGHTS);
        Files.copy(overflowing, weights, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Criteria<Image, DetectedObjects> criteria = Criteria.builder()
                .setTypes(Image.class, DetectedObjects.class)
                .optModelZoo(CardinalModelZoo.of(repo))
                .optArtifactId("hostile")
                .build();
        WeightsFormatException e = assertThrows(WeightsFormatException.class, criteria::loadModel);
        assertTrue(e.getMessage().startsWith(weights + ": ") && e.getMessage().contains("tensor 'w'"), e.getMessage());
        exitsWithTwoNaming(weights, () -> {
            try (ZooModel<Image, DetectedObjects> m = criteria.loadModel()) {
                m.getName();
            }
        });
    }
}
