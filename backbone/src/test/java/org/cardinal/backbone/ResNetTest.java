package org.cardinal.backbone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ResNetTest {

    /** torchvision-style names of a block tree: child names without DJL's 2-char index, joined by dots. */
    static Map<String, Parameter> torchNames(Block block) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect(block, "", out);
        return out;
    }

    private static void collect(Block block, String prefix, Map<String, Parameter> out) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            String n = switch (p.getKey()) {
                case "gamma" -> "weight";
                case "beta" -> "bias";
                case "runningMean" -> "running_mean";
                case "runningVar" -> "running_var";
                default -> p.getKey();
            };
            out.put(prefix + n, p.getValue());
        }
        for (Pair<String, Block> c : block.getChildren()) {
            collect(c.getValue(), prefix + c.getKey().substring(2) + ".", out);
        }
    }

    private static ResNet initialized(NDManager m, String arch, Norm norm, int frozen, int size) {
        ResNet net = ResNet.builder(BackboneConfig.named(arch))
                .optNorm(norm)
                .optFrozenStages(frozen)
                .build();
        net.initialize(m, DataType.FLOAT32, new Shape(2, 3, size, size));
        return net;
    }

    @Test
    void parameterNamesAreTorchvisionStateDictKeys() throws IOException {
        List<String> expected = new ArrayList<>();
        try (InputStream in = ResNetTest.class.getResourceAsStream("resnext_tiny_keys.txt")) {
            for (String k : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                // num_batches_tracked is a torch buffer that Cardinal's weights I/O writes on export only.
                if (!k.isBlank() && !k.endsWith("num_batches_tracked")) {
                    expected.add(k);
                }
            }
        }
        for (Norm norm : Norm.values()) {
            ResNet net = ResNet.builder(BackboneConfig.named("resnext_tiny"))
                    .optNorm(norm)
                    .build();
            assertEquals(expected, new ArrayList<>(torchNames(net).keySet()), norm.toString());
        }
    }

    @Test
    void outputsAreNamedStagesAtStrides4To32PlusLogits() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (String arch : List.of("resnet_tiny", "resnext_tiny")) {
                ResNet net = initialized(m, arch, Norm.BATCH, 0, 64);
                int[] ch = net.config().stageChannels();
                NDList out = net.forward(
                        new ParameterStore(m, false), new NDList(m.randomNormal(new Shape(2, 3, 64, 96))), false);
                assertEquals(5, out.size());
                long[] hw = {16, 8, 4, 2};
                for (int i = 0; i < 4; i++) {
                    assertEquals("C" + (i + 2), out.get(i).getName());
                    assertEquals(
                            new Shape(2, ch[i], hw[i], hw[i] * 3 / 2),
                            out.get(i).getShape(),
                            arch);
                }
                assertEquals(new Shape(2, 10), out.get(4).getShape());
                // getOutputShapes agrees with the forward pass, here on an odd size (floor arithmetic: 65 -> 33 -> 17
                // ...).
                NDList odd = net.forward(
                        new ParameterStore(m, false), new NDList(m.randomNormal(new Shape(1, 3, 65, 47))), false);
                Shape[] predicted = net.getOutputShapes(new Shape[] {new Shape(1, 3, 65, 47)});
                assertArrayEquals(predicted, odd.getShapes());
                assertEquals(new Shape(1, ch[0], 17, 12), odd.get(0).getShape());
                assertEquals(new Shape(1, ch[3], 3, 2), odd.get(3).getShape());
            }
        }
    }

    @Test
    void withoutTopOnlyStagesAndNoFc() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = ResNet.builder(BackboneConfig.named("resnet_tiny"))
                    .optIncludeTop(false)
                    .build();
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            assertFalse(torchNames(net).keySet().stream().anyMatch(k -> k.startsWith("fc.")));
            NDList out = net.forward(new ParameterStore(m, false), new NDList(m.ones(new Shape(1, 3, 32, 32))), false);
            assertEquals(4, out.size());
        }
    }

    @Test
    void stemThenLayersEqualsFullForward() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = initialized(m, "resnext_tiny", Norm.FROZEN, 0, 32);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray x = m.randomNormal(new Shape(1, 3, 48, 40));
            NDList full = net.forward(ps, new NDList(x), false);
            NDList y = net.stem().forward(ps, new NDList(x), false);
            assertEquals(new Shape(1, 16, 12, 10), y.singletonOrThrow().getShape());
            for (int i = 1; i <= 4; i++) {
                y = net.layer(i).forward(ps, y, false);
                assertTrue(y.singletonOrThrow().allClose(full.get(i - 1), 1e-6, 1e-6, false), "layer" + i);
            }
        }
    }

    @Test
    void djlParameterCountEqualsComputedCount() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (String arch : List.of("resnet50", "resnext50_32x4d", "resnet_tiny", "resnext_tiny")) {
                ResNet net = ResNet.builder(BackboneConfig.named(arch)).build();
                net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 224, 224));
                long count = 0;
                for (Map.Entry<String, Parameter> e : torchNames(net).entrySet()) {
                    if (!e.getKey().endsWith("running_mean") && !e.getKey().endsWith("running_var")) {
                        count += e.getValue().getArray().size();
                    }
                }
                assertEquals(Complexity.of(net.config(), 224, 224).params(), count, arch);
                net.getParameters().forEach(p -> p.getValue().close());
            }
        }
    }

    @Test
    void groupedBottleneckRunsForwardAndBackward() {
        try (NDManager m = NDManager.newBaseManager()) {
            // A ResNeXt unit with 4 groups of 4 channels, stride 2 and a projection shortcut.
            Bottleneck unit = new Bottleneck(8, 16, 32, 2, 4, Norm.BATCH);
            unit.initialize(m, DataType.FLOAT32, new Shape(2, 8, 10, 10));
            assertEquals(
                    new Shape(16, 4, 3, 3),
                    torchNames(unit).get("conv2.weight").getArray().getShape());
            NDArray x = m.randomNormal(new Shape(2, 8, 10, 10));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = unit.forward(new ParameterStore(m, false), new NDList(x), true)
                        .singletonOrThrow();
                assertEquals(new Shape(2, 32, 5, 5), y.getShape());
                assertTrue(y.min().getFloat() >= 0f, "ReLU after the addition");
                gc.backward(y.mul(m.randomNormal(y.getShape())).sum());
            }
            for (Map.Entry<String, Parameter> e : torchNames(unit).entrySet()) {
                if (e.getValue().requiresGradient()) {
                    NDArray g = e.getValue().getArray().getGradient();
                    assertTrue(g.abs().sum().getFloat() > 0f, e.getKey() + " has a zero gradient");
                }
            }
        }
    }

    @Test
    void stridedShortcutIsTheStridedConvolutionAndTrains() {
        try (NDManager m = NDManager.newBaseManager()) {
            // conv4's first unit of ResNet-50: 512 to 1024 channels, stride 2 (the shortcut whose
            // input gradient kills libtorch 2.7.1's oneDNN when the 1x1 convolution is strided).
            Bottleneck unit = new Bottleneck(512, 256, 1024, 2, 1, Norm.BATCH);
            unit.initialize(m, DataType.FLOAT32, new Shape(2, 512, 9, 9));
            ParameterStore ps = new ParameterStore(m, false);
            NDArray x = m.randomNormal(new Shape(2, 512, 9, 9));
            // The reference: torchvision's unit, whose shortcut is a 1x1 convolution with stride 2.
            NDArray main = x;
            for (int i = 1; i <= 3; i++) {
                main = child(unit, "conv" + i)
                        .forward(ps, new NDList(main), false)
                        .singletonOrThrow();
                main = child(unit, "bn" + i)
                        .forward(ps, new NDList(main), false)
                        .singletonOrThrow();
                if (i < 3) {
                    main = Activation.relu(main);
                }
            }
            NDArray w = torchNames(unit).get("downsample.0.weight").getArray();
            NDArray shortcut = Conv2d.conv2d(x, w, null, new Shape(2, 2), new Shape(0, 0), new Shape(1, 1), 1)
                    .singletonOrThrow();
            shortcut = unit.downsample()
                    .get(1)
                    .forward(ps, new NDList(shortcut), false)
                    .singletonOrThrow();
            NDArray expected = Activation.relu(main.add(shortcut));
            NDArray y = unit.forward(ps, new NDList(x), false).singletonOrThrow();
            assertEquals(new Shape(2, 1024, 5, 5), y.getShape());
            assertTrue(y.sub(expected).abs().max().getFloat() < 1e-4f, "differs from the strided convolution");
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = unit.forward(ps, new NDList(x), true).singletonOrThrow();
                gc.backward(out.mul(m.randomNormal(out.getShape())).sum());
            }
            assertTrue(x.getGradient().abs().sum().getFloat() > 0f, "no input gradient");
            assertTrue(w.getGradient().abs().sum().getFloat() > 0f, "no shortcut weight gradient");
        }
    }

    private static Block child(Block block, String name) {
        for (Pair<String, Block> c : block.getChildren()) {
            if (c.getKey().substring(2).equals(name)) {
                return c.getValue();
            }
        }
        throw new IllegalArgumentException(name);
    }

    @Test
    void frozenStagesGetNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = initialized(m, "resnet_tiny", Norm.BATCH, 2, 32);
            NDArray x = m.randomNormal(new Shape(2, 3, 32, 32));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDList out = net.forward(new ParameterStore(m, false), new NDList(x), true);
                gc.backward(out.get(4).sum().add(out.get(1).sum()));
            }
            int frozen = 0;
            int trained = 0;
            for (Map.Entry<String, Parameter> e : torchNames(net).entrySet()) {
                String k = e.getKey();
                if (k.contains("running_")) {
                    continue;
                }
                NDArray a = e.getValue().getArray();
                boolean shouldFreeze = k.startsWith("conv1.") || k.startsWith("bn1.") || k.startsWith("layer1.");
                if (shouldFreeze) {
                    frozen++;
                    assertFalse(e.getValue().requiresGradient(), k);
                    assertFalse(a.hasGradient() && a.getGradient().abs().sum().getFloat() > 0f, k + " got a gradient");
                } else {
                    trained++;
                    assertTrue(a.getGradient().abs().sum().getFloat() > 0f, k + " got no gradient");
                }
            }
            assertEquals(9, frozen); // conv1, bn1 (2), layer1.0: conv1, bn1 (2), conv2, bn2 (2)
            assertTrue(trained > 20);
        }
    }

    @Test
    void frozenNormHasNoTrainableParameterAndKeepsStatistics() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = initialized(m, "resnext_tiny", Norm.FROZEN, 0, 32);
            for (Map.Entry<String, Parameter> e : torchNames(net).entrySet()) {
                boolean conv = e.getKey().matches(".*(conv\\d|downsample\\.0)\\.weight|fc\\..*");
                assertEquals(conv, e.getValue().requiresGradient(), e.getKey());
            }
            NDArray mean =
                    torchNames(net).get("layer1.0.bn2.running_mean").getArray().duplicate();
            net.forward(
                    new ParameterStore(m, false),
                    new NDList(m.randomNormal(new Shape(2, 3, 32, 32)).add(3)),
                    true);
            assertTrue(mean.contentEquals(
                    torchNames(net).get("layer1.0.bn2.running_mean").getArray()));
        }
    }

    @Test
    void batchNormUpdatesRunningStatsWithTorchMomentum() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block bn = Norm.BATCH.create(2);
            bn.initialize(m, DataType.FLOAT32, new Shape(2, 2, 1, 2));
            // Channel 0 values 1,3,5,7 (mean 4, unbiased var 20/3); channel 1 all 2 (mean 2, var 0).
            NDArray x = m.create(new float[] {1, 3, 2, 2, 5, 7, 2, 2}, new Shape(2, 2, 1, 2));
            NDArray y = bn.forward(new ParameterStore(m, false), new NDList(x), true)
                    .singletonOrThrow();
            Map<String, Parameter> p = torchNames(bn);
            // torch: running = 0.9 * running + 0.1 * batch stat (var unbiased); initial mean 0, var 1.
            assertArrayEquals(
                    new float[] {0.4f, 0.2f}, p.get("running_mean").getArray().toFloatArray(), 1e-6f);
            assertArrayEquals(
                    new float[] {0.9f + 0.1f * 20f / 3f, 0.9f},
                    p.get("running_var").getArray().toFloatArray(),
                    1e-5f);
            // Output normalized with the biased batch variance 5 and eps 1e-5.
            assertEquals((1 - 4) / Math.sqrt(5 + 1e-5), y.getFloat(0, 0, 0, 0), 1e-5);
        }
    }

    @Test
    void convWeightsAreKaimingNormalFanOut() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = initialized(m, "resnet_tiny", Norm.BATCH, 0, 32);
            NDArray w = torchNames(net).get("layer4.0.conv2.weight").getArray(); // 128 x 128 x 3 x 3
            double std = Math.sqrt(w.square().mean().getFloat());
            double expected = Math.sqrt(2.0 / (128 * 9));
            assertEquals(expected, std, expected * 0.02);
            assertEquals(0.0, w.mean().getFloat(), expected * 0.02);
            for (float v : torchNames(net).get("layer1.0.bn1.weight").getArray().toFloatArray()) {
                assertEquals(1f, v);
            }
            for (float v : torchNames(net).get("layer1.0.bn1.bias").getArray().toFloatArray()) {
                assertEquals(0f, v);
            }
            float bound = (float) (1 / Math.sqrt(128));
            NDArray fc = torchNames(net).get("fc.weight").getArray();
            assertTrue(fc.abs().max().getFloat() <= bound);
            assertTrue(fc.abs().max().getFloat() > bound * 0.9f);
        }
    }

    @Test
    void layerAccessorsAreTheRegisteredChildren() {
        ResNet net = ResNet.builder(BackboneConfig.named("resnext_tiny")).build();
        List<String> names = new ArrayList<>();
        for (Pair<String, Block> c : net.getChildren()) {
            names.add(c.getKey().substring(2));
        }
        assertEquals(Arrays.asList("conv1", "bn1", "layer1", "layer2", "layer3", "layer4", "fc"), names);
        for (int i = 1; i <= 4; i++) {
            // DJL keys children "%02d%s" from 1: conv1 is 01conv1, layer1 is 03layer1.
            assertSame(net.getChildren().get(String.format("%02dlayer%d", i + 2, i)), net.layer(i));
        }
        assertNotNull(net.stem());
        assertTrue(net.stem().getParameters().isEmpty(), "the stem view owns no parameters");
    }

    /**
     * The stem and the stages are views over the network's blocks, initialized with it, so a
     * training forward never initializes them: two replicas running the same blocks from two
     * threads would otherwise both do it at once, and DJL's initialization is not thread-safe.
     */
    @Test
    void stageViewsAreInitializedSoTwoThreadsCanTrainThroughThem() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = initialized(m, "resnext_tiny", Norm.FROZEN, 0, 32);
            assertTrue(net.stem().isInitialized(), "the stem");
            for (int i = 0; i < 4; i++) {
                assertTrue(net.stage(i).isInitialized(), "stage " + i);
            }
            NDArray input = m.randomUniform(-1, 1, new Shape(1, 3, 32, 32));
            Callable<float[]> replica = () -> {
                try (NDManager local = m.newSubManager()) {
                    NDList x = new NDList(input);
                    for (int i = 0; i < 4; i++) {
                        x = net.stage(i).forward(new ParameterStore(local, false), x, true);
                    }
                    return x.singletonOrThrow().toFloatArray();
                }
            };
            float[] alone = replica.call();
            ExecutorService two = Executors.newFixedThreadPool(2);
            try {
                for (Future<float[]> f : two.invokeAll(List.of(replica, replica))) {
                    assertArrayEquals(alone, f.get());
                }
            } finally {
                two.shutdownNow();
            }
        }
    }
}
