package org.cardinal.detector.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.data.CocoDetectionDataset;
import org.cardinal.detector.data.DetectionBatch;
import org.cardinal.detector.data.DetectionSample;
import org.cardinal.detector.data.PrefetchingLoader;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A backbone swap is a controlled experiment: for a given seed, the runs of a comparison differ in
 * the backbone and nothing else. Every tensor outside the backbone body (FPN, RPN, RoI heads; in
 * the C4 variant the res5 box head belongs to the backbone) starts bit-identical where its shape
 * does not follow the backbone's (all of them between backbones of equal stage channels; the ones
 * that cannot are listed by {@link SharedInitialization}), and the runs see the same images in the
 * same order with the same flips.
 */
class ControlledInitializationTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"fpn", "c4"})
    void everyPartButTheBackboneStartsBitIdenticalAcrossArms(String variant) throws IOException {
        Comparison c = new Comparison(
                ComparisonConfig.load(TinyComparison.write(dir, variant, "\"seeds\": 2,")), dir.resolve("out"));
        Comparison.Run resnet = c.runs().get(0);
        Comparison.Run resnext = c.runs().get(1);
        Comparison.Run nextSeed = c.runs().get(2);
        assertEquals(resnet.seed(), resnext.seed());
        assertNotEquals(resnet.backbone().summary(), resnext.backbone().summary());
        // equal stage shapes: nothing outside the body follows the backbone's shape
        assertEquals(resnet.backbone().featureShapes(), resnext.backbone().featureShapes());
        assertTrue(c.initialization().complete(), c.initialization().toString());
        Map<String, float[]> a = initialWeights(resnet.config());
        Map<String, float[]> b = initialWeights(resnext.config());
        Map<String, float[]> other = initialWeights(nextSeed.config());

        List<String> heads = new ArrayList<>();
        for (String name : a.keySet()) {
            if (!name.startsWith("backbone.body.")) {
                heads.add(name);
                assertTrue(b.containsKey(name), name);
                assertArrayEquals(a.get(name), b.get(name), name + " differs between the arms");
            }
        }
        assertEquals(
                heads.size(),
                b.keySet().stream().filter(n -> !n.startsWith("backbone.body.")).count());
        assertTrue(heads.stream().anyMatch(n -> n.startsWith("rpn.")), heads.toString());
        assertTrue(heads.stream().anyMatch(n -> n.startsWith("roi_heads.box_predictor.")), heads.toString());
        if (variant.equals("fpn")) {
            assertTrue(heads.stream().anyMatch(n -> n.startsWith("backbone.fpn.")), heads.toString());
            assertTrue(heads.stream().anyMatch(n -> n.startsWith("roi_heads.box_head.")), heads.toString());
        }
        // the swap is real: the grouped convolutions differ in shape, so the bodies differ
        String grouped = "backbone.body.layer1.0.conv2.weight";
        assertNotEquals(a.get(grouped).length, b.get(grouped).length);
        // and the equality above is not vacuous: another seed starts the same heads elsewhere
        assertFalse(java.util.Arrays.equals(a.get(heads.get(0)), other.get(heads.get(0))));
    }

    /**
     * The same with backbones of different widths (basic blocks against bottlenecks, a quarter of
     * the channels): every tensor outside the body that the comparison does not list starts
     * bit-identical in the runs, and every listed one truly starts otherwise (in shape or values).
     */
    @ParameterizedTest
    @ValueSource(strings = {"fpn", "c4"})
    void acrossWidthsEveryPartOfEqualShapeStartsBitIdenticalAndTheOthersAreListed(String variant) throws IOException {
        Comparison c = new Comparison(
                ComparisonConfig.load(TinyComparison.write(
                        dir, variant, "\"seeds\": 1,", TinyComparison.BASIC, TinyComparison.RESNET)),
                dir.resolve("out"));
        Map<String, NDArrayCopy> a = initialArrays(c.runs().get(0).config());
        Map<String, NDArrayCopy> b = initialArrays(c.runs().get(1).config());
        SharedInitialization check = c.initialization();
        Set<String> listed = new HashSet<>();
        check.differing().forEach(d -> listed.add(d.parameter()));
        assertFalse(listed.isEmpty(), "different widths: some shapes follow the backbone");
        int identical = 0;
        for (String name : a.keySet()) {
            if (name.startsWith("backbone.body.")) {
                continue;
            }
            if (listed.contains(name)) {
                assertTrue(
                        !a.get(name).shape().equals(b.get(name).shape())
                                || !java.util.Arrays.equals(
                                        a.get(name).values(), b.get(name).values()),
                        name + " is listed but starts identical");
            } else {
                assertEquals(a.get(name).shape(), b.get(name).shape(), name);
                assertArrayEquals(a.get(name).values(), b.get(name).values(), name + " differs between the arms");
                identical++;
            }
        }
        assertEquals(check.shared().size(), identical, check.shared().toString());
    }

    @Test
    void armsOfASeedSeeTheSameImagesInTheSameOrderWithTheSameFlips() throws IOException {
        Comparison c = new Comparison(
                ComparisonConfig.load(TinyComparison.write(dir, "fpn", "\"seeds\": 2,")), dir.resolve("out"));
        Comparison.Run resnet = c.runs().get(0);
        Comparison.Run resnext = c.runs().get(1);
        // the loader and the per-image sampling seeds are functions of the solver and data parts only
        assertEquals(resnet.config().solver(), resnext.config().solver());
        assertEquals(resnet.config().data(), resnext.config().data());
        List<String> first = stream(resnet.config(), 6);
        assertEquals(first, stream(resnext.config(), 6));
        assertNotEquals(first, stream(c.runs().get(2).config(), 6), "another seed, another order");
        assertTrue(first.stream().anyMatch(s -> s.contains("flipped")), first.toString());
    }

    /** A parameter's initial values and shape. */
    private record NDArrayCopy(List<Long> shape, float[] values) {}

    private static Map<String, NDArrayCopy> initialArrays(RunConfig config) throws IOException {
        Map<String, NDArrayCopy> out = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn model = TrainingRun.createModel(config, m);
            for (Map.Entry<String, Parameter> e :
                    StateDicts.namedParameters(model).entrySet()) {
                long[] shape = e.getValue().getArray().getShape().getShape();
                out.put(
                        e.getKey(),
                        new NDArrayCopy(
                                java.util.Arrays.stream(shape).boxed().toList(),
                                e.getValue().getArray().toFloatArray()));
            }
        }
        return out;
    }

    private static Map<String, float[]> initialWeights(RunConfig config) throws IOException {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn model = TrainingRun.createModel(config, m);
            for (Map.Entry<String, Parameter> e :
                    StateDicts.namedParameters(model).entrySet()) {
                out.put(e.getKey(), e.getValue().getArray().toFloatArray());
            }
        }
        return out;
    }

    /** The training stream's first batches: image id, flip and a pixel checksum of every sample. */
    private static List<String> stream(RunConfig config, int batches) throws IOException {
        var d = config.data();
        CocoDetectionDataset set = CocoDetectionDataset.load(
                d.trainAnnotationsPath(), d.trainImagesPath(), new CocoDetectionDataset.Options(d.keepEmptyImages()));
        List<String> out = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager();
                PrefetchingLoader loader = PrefetchingLoader.training(
                        set,
                        m,
                        config.solver().imsPerBatch(),
                        config.solver().seed(),
                        d.flipProb(),
                        0,
                        d.numWorkers(),
                        d.prefetchBatches())) {
            for (int i = 0; i < batches; i++) {
                try (DetectionBatch b = loader.next()) {
                    for (DetectionSample s : b.samples()) {
                        out.add(s.imageId()
                                + (s.flipped() ? " flipped " : " ")
                                + s.image().sum().getFloat());
                    }
                }
            }
        }
        return out;
    }
}
