package org.cardinal.backbone.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cardinal.backbone.BackboneConfig;
import org.cardinal.backbone.Norm;
import org.cardinal.backbone.ResNet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cardinal's ResNet/ResNeXt with torchvision weights reproduces torchvision's outputs; expected
 * values come from make_fixtures.py (torchvision 0.29 in eval mode).
 */
class StateDictsTest {
    private static final double PARITY = 1e-4;
    private static final List<String> OUTPUTS = List.of("C2", "C3", "C4", "C5", "logits");

    @TempDir
    Path tmp;

    static ResNet model(NDManager m, String arch, Norm norm) {
        ResNet net = ResNet.builder(BackboneConfig.named(arch)).optNorm(norm).build();
        net.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 64));
        return net;
    }

    /** Runs the net in inference mode on the fixture input; returns C2..C5 and logits on the host. */
    static Map<String, float[]> run(NDManager m, ResNet net) throws IOException {
        NDArray x = Npy.read(Fixtures.path("input.npy")).toNDArray(m);
        NDList out = net.forward(new ParameterStore(m, false), new NDList(x), false);
        Map<String, float[]> r = new LinkedHashMap<>();
        for (int i = 0; i < OUTPUTS.size(); i++) {
            r.put(OUTPUTS.get(i), out.get(i).toFloatArray());
        }
        return r;
    }

    /** max |a - b| / max |b|: a normwise relative error that is meaningful for values near zero. */
    static double relError(float[] actual, float[] expected) {
        assertEquals(expected.length, actual.length);
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return diff / scale;
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnext_tiny", "resnet_tiny"})
    void namesAreExactlyTorchvisionsStateDictKeys(String arch) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = model(m, arch, Norm.BATCH);
            StateDict sd = StateDict.read(Fixtures.path(arch + ".pth"));
            // torchvision's state_dict keys, order included, are the export's keys
            assertEquals(sd.names(), StateDicts.export(net).names());
            List<String> withoutCounters = new ArrayList<>(sd.names());
            withoutCounters.removeIf(k -> k.endsWith("num_batches_tracked"));
            assertEquals(
                    withoutCounters,
                    new ArrayList<>(StateDicts.namedParameters(net).keySet()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnext_tiny", "resnet_tiny"})
    void reproducesTorchvisionLogitsAndStages(String arch) throws IOException {
        StateDict expected = StateDict.read(Fixtures.path(arch + "_expected.safetensors"));
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = model(m, arch, Norm.BATCH);
            LoadReport report = StateDicts.load(net, StateDict.read(Fixtures.path(arch + ".pth")), "", true);
            assertTrue(report.missing().isEmpty() && report.unexpected().isEmpty());
            Map<String, float[]> out = run(m, net);
            for (String k : OUTPUTS) {
                double err = relError(out.get(k), expected.get(k).toFloatArray());
                assertTrue(err < PARITY, arch + " " + k + " relative error " + err);
            }
        }
    }

    @Test
    void frozenBatchNormGivesTheSameOutputs() throws IOException {
        StateDict expected = StateDict.read(Fixtures.path("resnext_tiny_expected.safetensors"));
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = model(m, "resnext_tiny", Norm.FROZEN);
            StateDicts.load(net, StateDict.read(Fixtures.path("resnext_tiny.safetensors")), "", true);
            Map<String, float[]> out = run(m, net);
            assertTrue(relError(out.get("logits"), expected.get("logits").toFloatArray()) < PARITY);
        }
    }

    @Test
    void pthAndSafetensorsGiveIdenticalModels() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet a = model(m, "resnext_tiny", Norm.BATCH);
            ResNet b = model(m, "resnext_tiny", Norm.BATCH);
            StateDicts.load(a, StateDict.read(Fixtures.path("resnext_tiny.pth")), "", true);
            StateDicts.load(b, StateDict.read(Fixtures.path("resnext_tiny.safetensors")), "", true);
            Map<String, Parameter> pa = StateDicts.namedParameters(a);
            Map<String, Parameter> pb = StateDicts.namedParameters(b);
            for (String k : pa.keySet()) {
                assertArrayEquals(
                        pa.get(k).getArray().toFloatArray(),
                        pb.get(k).getArray().toFloatArray(),
                        k);
            }
            Map<String, float[]> oa = run(m, a);
            Map<String, float[]> ob = run(m, b);
            for (String k : OUTPUTS) {
                assertArrayEquals(oa.get(k), ob.get(k), k);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"exported.pth", "exported.safetensors"})
    void exportThenReimportRoundTrips(String fileName) throws IOException {
        StateDict original = StateDict.read(Fixtures.path("resnet_tiny.pth"));
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = model(m, "resnet_tiny", Norm.BATCH);
            StateDicts.load(net, original, "", true);
            Path out = tmp.resolve(fileName);
            StateDicts.export(net).write(out);
            StateDict back = StateDict.read(out);
            assertEquals(original.names(), back.names());
            for (String k : original.keys()) {
                if (!k.endsWith("num_batches_tracked")) {
                    assertEquals(original.get(k), back.get(k), k);
                }
            }
            ResNet again = model(m, "resnet_tiny", Norm.BATCH);
            StateDicts.load(again, back, "", true);
            Map<String, float[]> o1 = run(m, net);
            Map<String, float[]> o2 = run(m, again);
            assertArrayEquals(o1.get("logits"), o2.get("logits"));
        }
    }

    @Test
    void shapeMismatchNamesParameterExpectedAndFoundShape() throws IOException {
        Path f = Fixtures.path("wrong_shape.pth");
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = model(m, "resnet_tiny", Norm.BATCH);
            StateDict sd = StateDict.read(f);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> StateDicts.load(net, sd, "", false));
            long c = sd.get("conv1.weight").shape()[0];
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
            assertTrue(
                    e.getMessage()
                            .contains("parameter 'conv1.weight': expected shape (" + c + ", 3, 7, 7) (model), found ("
                                    + c + ", 3, 5, 5)"),
                    e.getMessage());
        }
    }

    @Test
    void strictLoadListsMissingAndUnexpectedNames() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = model(m, "resnet_tiny", Norm.BATCH);
            StateDict sd = StateDict.read(Fixtures.path("resnet_tiny.pth"));
            sd.remove("fc.bias");
            sd.put("fc.extra", TensorData.ofFloats(new float[] {1f}, 1));
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> StateDicts.load(net, sd, "", true));
            assertTrue(e.getMessage().contains("missing 1 parameter(s): [fc.bias]"), e.getMessage());
            assertTrue(e.getMessage().contains("unexpected 1 key(s): [fc.extra]"), e.getMessage());
            LoadReport r = StateDicts.load(net, sd, "", false);
            assertEquals(List.of("fc.bias"), r.missing());
            assertEquals(List.of("fc.extra"), r.unexpected());
        }
    }

    @Test
    void prefixSelectsASubtreeOfALargerCheckpoint() throws IOException {
        StateDict sd = StateDict.read(Fixtures.path("resnext_tiny.safetensors")).prefixed("backbone.body.");
        sd.put("rpn.head.conv.weight", TensorData.ofFloats(new float[] {0f}, 1));
        StateDict expected = StateDict.read(Fixtures.path("resnext_tiny_expected.safetensors"));
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = model(m, "resnext_tiny", Norm.BATCH);
            LoadReport r = StateDicts.load(net, sd, "backbone.body.", true);
            assertEquals(StateDicts.namedParameters(net).size(), r.loaded().size());
            assertTrue(
                    relError(run(m, net).get("logits"), expected.get("logits").toFloatArray()) < PARITY);
        }
    }

    @Test
    void halfPrecisionWeightsAreWidenedOnLoad() throws IOException {
        StateDict sd = StateDict.read(Fixtures.path("resnet_tiny.pth"));
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = model(m, "resnet_tiny", Norm.BATCH);
            StateDict half = new StateDict();
            for (Map.Entry<String, TensorData> e : sd.entries()) {
                TensorData t = e.getValue();
                if (t.dtype() == TensorDType.F32) {
                    try (NDManager s = m.newSubManager()) {
                        t = TensorData.of(t.toNDArray(s).toType(DataType.FLOAT16, false));
                    }
                }
                half.put(e.getKey(), t);
            }
            StateDicts.load(net, half, "", true);
            float[] w =
                    StateDicts.namedParameters(net).get("fc.weight").getArray().toFloatArray();
            float[] ref = sd.get("fc.weight").toFloatArray();
            for (int i = 0; i < w.length; i++) {
                assertEquals(ref[i], w[i], Math.abs(ref[i]) * 1e-3 + 1e-7);
            }
        }
    }
}
