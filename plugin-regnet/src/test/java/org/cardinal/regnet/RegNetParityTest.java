package org.cardinal.regnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.cardinal.backbone.Norm;
import org.cardinal.backbone.image.ImageDecoder;
import org.cardinal.backbone.pretrain.ClassificationTransform;
import org.cardinal.backbone.spi.Backbones;
import org.cardinal.backbone.spi.BuildOptions;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.backbone.weights.LoadReport;
import org.cardinal.backbone.weights.Npy;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.backbone.weights.TensorData;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * torchvision's RegNetX and RegNetY weights load by name (strict: no key missing or left over) and
 * give torchvision's C2..C5 and logits: the expected values are torchvision 0.29's eval-mode outputs
 * on input.npy, with seeded random weights and non-trivial BatchNorm statistics (make_fixtures.py).
 * On a real photograph (chelsea_224.png, public domain) decoded and normalised by Cardinal's own
 * image paths, they give torchvision's C5, logits and top-5 classes.
 */
class RegNetParityTest {

    @TempDir
    Path dir;

    /** Normwise relative error allowed, the 1e-4. */
    private static final double PARITY = 1e-4;

    private static final List<String> OUTPUTS = List.of("C2", "C3", "C4", "C5", "logits");

    @ParameterizedTest
    @ValueSource(strings = {"regnet_x_mini", "regnet_y_mini"})
    void torchvisionWeightsGiveTorchvisionsMapsAndLogits(String arch) throws IOException {
        for (Norm norm : Norm.values()) {
            try (NDManager m = NDManager.newBaseManager()) {
                FeatureExtractor net = Backbones.named(arch).build(new BuildOptions(norm, 0, true));
                net.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 64));
                LoadReport report =
                        StateDicts.load(net, StateDict.read(Fixtures.path(arch + ".safetensors")), "", true);
                assertTrue(report.missing().isEmpty() && report.unexpected().isEmpty(), report.toString());
                NDArray x = Npy.read(Fixtures.path("input.npy")).toNDArray(m);
                NDList out = net.forward(new ParameterStore(m, false), new NDList(x), false);
                StateDict expected = StateDict.read(Fixtures.path(arch + "_expected.safetensors"));
                assertEquals(OUTPUTS.size(), out.size());
                for (int i = 0; i < OUTPUTS.size(); i++) {
                    float[] want = expected.get(OUTPUTS.get(i)).toFloatArray();
                    double err = relError(out.get(i).toFloatArray(), want);
                    assertTrue(err < PARITY, arch + " " + norm + " " + OUTPUTS.get(i) + " relative error " + err);
                }
            }
        }
    }

    /**
     * The photograph through the pretraining eval path ({@link ImageDecoder} then {@link
     * ClassificationTransform#eval}: Resize and CenterCrop to 224, which leave a 224x224 image as it
     * is, ToTensor, Normalize with the ImageNet mean and std) matches torchvision's ToTensor and
     * Normalize on it, and the networks' C5 and logits on it match torchvision's; the five highest
     * logits name the same classes in the same order.
     */
    @ParameterizedTest
    @ValueSource(strings = {"regnet_x_mini", "regnet_y_mini"})
    void photographGivesTorchvisionsLogitsAndTopFive(String arch) throws IOException {
        int size = 224;
        float[] pixels = new float[3 * size * size];
        ClassificationTransform.eval(size, size)
                .apply(ImageDecoder.read(Fixtures.path("chelsea_224.png")), new SplittableRandom(0), pixels, 0);
        StateDict expected = StateDict.read(Fixtures.path(arch + "_photo_expected.safetensors"));
        checkInput(pixels, size, expected);
        float[] wantLogits = expected.get("logits").toFloatArray();
        for (Norm norm : Norm.values()) {
            try (NDManager m = NDManager.newBaseManager()) {
                Shape shape = new Shape(1, 3, size, size);
                FeatureExtractor net = Backbones.named(arch).build(new BuildOptions(norm, 0, true));
                net.initialize(m, DataType.FLOAT32, shape);
                LoadReport report =
                        StateDicts.load(net, StateDict.read(Fixtures.path(arch + ".safetensors")), "", true);
                assertTrue(report.missing().isEmpty() && report.unexpected().isEmpty(), report.toString());
                NDList out = net.forward(new ParameterStore(m, false), new NDList(m.create(pixels, shape)), false);
                double c5 =
                        relError(out.get(3).toFloatArray(), expected.get("C5").toFloatArray());
                assertTrue(c5 < PARITY, arch + " " + norm + " C5 on the photograph: relative error " + c5);
                float[] logits = out.get(4).toFloatArray();
                double err = relError(logits, wantLogits);
                assertTrue(err < PARITY, arch + " " + norm + " logits on the photograph: relative error " + err);
                assertEquals(
                        Arrays.toString(topFive(wantLogits)),
                        Arrays.toString(topFive(logits)),
                        arch + " " + norm + " top-5 classes on the photograph");
            }
        }
    }

    /**
     * {@code tools/backbone-features --image} (its own JVM, the plugin on the class path) on the
     * photograph: ImageDecoder, then torchvision's whole eval transform as that tool does it
     * (Pillow's bilinear Resize(256), here a 224 -> 256 enlargement, CenterCrop(224), ToTensor,
     * Normalize), gives torchvision's logits of that transform and the same top-5 classes.
     */
    @ParameterizedTest
    @ValueSource(strings = {"regnet_x_mini", "regnet_y_mini"})
    void backboneFeaturesOnThePhotographGivesTorchvisionsLogits(String arch) throws Exception {
        Path json = dir.resolve(arch + ".json");
        Tools.Run run = Tools.java(
                dir,
                "org.cardinal.tools.BackboneFeatures",
                List.of(
                        "--arch", arch,
                        "--weights", Fixtures.path(arch + ".safetensors").toString(),
                        "--image", Fixtures.path("chelsea_224.png").toString(),
                        "--json", json.toString()));
        assertEquals(0, run.code(), run.stderr());
        JsonArray rows =
                JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonArray("logits");
        assertEquals(1, rows.size());
        JsonArray row = rows.get(0).getAsJsonArray();
        float[] logits = new float[row.size()];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = row.get(i).getAsFloat();
        }
        float[] want = StateDict.read(Fixtures.path(arch + "_photo_expected.safetensors"))
                .get("logits_eval_transform")
                .toFloatArray();
        double err = relError(logits, want);
        assertTrue(err < PARITY, arch + " backbone-features --image logits: relative error " + err);
        assertEquals(Arrays.toString(topFive(want)), Arrays.toString(topFive(logits)), arch + " top-5 classes");
    }

    /**
     * Cardinal's normalised photograph against torchvision's: every 7th row and column (from 3) and
     * the per-channel means, which every pixel enters.
     */
    private static void checkInput(float[] pixels, int size, StateDict expected) {
        TensorData gridTensor = expected.get("input_grid");
        float[] grid = gridTensor.toFloatArray();
        int side = Math.toIntExact(gridTensor.shape()[3]);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < side; i++) {
                for (int j = 0; j < side; j++) {
                    float want = grid[(c * side + i) * side + j];
                    float got = pixels[(c * size + 3 + 7 * i) * size + 3 + 7 * j];
                    assertEquals(want, got, 1e-5, "normalised photograph, channel " + c + " at (" + i + ", " + j + ")");
                }
            }
        }
        float[] means = expected.get("input_channel_mean").toFloatArray();
        int n = size * size;
        for (int c = 0; c < 3; c++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += pixels[c * n + i];
            }
            assertEquals(means[c], sum / n, 1e-6, "mean of the normalised photograph's channel " + c);
        }
    }

    /** The indices of the five largest values, largest first. */
    private static int[] topFive(float[] v) {
        return IntStream.range(0, v.length)
                .boxed()
                .sorted((a, b) -> Float.compare(v[b], v[a]))
                .limit(5)
                .mapToInt(Integer::intValue)
                .toArray();
    }

    /** max |a - b| / max |b|: a normwise relative error that is meaningful for values near zero. */
    private static double relError(float[] actual, float[] expected) {
        assertEquals(expected.length, actual.length);
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return diff / scale;
    }
}
