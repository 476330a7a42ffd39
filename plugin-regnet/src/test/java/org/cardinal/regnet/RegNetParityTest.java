package org.cardinal.regnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.util.List;
import org.cardinal.backbone.Norm;
import org.cardinal.backbone.spi.Backbones;
import org.cardinal.backbone.spi.BuildOptions;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.backbone.weights.LoadReport;
import org.cardinal.backbone.weights.Npy;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.backbone.weights.StateDicts;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * torchvision's RegNetX and RegNetY weights load by name (strict: no key missing or left over) and
 * give torchvision's C2..C5 and logits: the expected values are torchvision 0.29's eval-mode outputs
 * on input.npy, with seeded random weights and non-trivial BatchNorm statistics (make_fixtures.py).
 */
class RegNetParityTest {

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
