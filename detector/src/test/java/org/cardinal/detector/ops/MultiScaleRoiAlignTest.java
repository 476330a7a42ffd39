package org.cardinal.detector.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MultiScaleRoiAlignTest {

    @Test
    void matchesTorchvisionLevelsValuesAndGradients() {
        JsonObject fx = TorchvisionFixture.load("multiscale.json");
        try (NDManager manager = NDManager.newBaseManager()) {
            List<NDArray> features = new ArrayList<>();
            JsonArray shapes = fx.getAsJsonArray("featureShapes");
            for (int l = 0; l < shapes.size(); l++) {
                JsonArray s = shapes.get(l).getAsJsonArray();
                Shape shape = new Shape(
                        s.get(0).getAsLong(),
                        s.get(1).getAsLong(),
                        s.get(2).getAsLong(),
                        s.get(3).getAsLong());
                NDArray f = manager.create(TorchvisionFixture.pattern(shape, l), shape);
                f.setRequiresGradient(true);
                features.add(f);
            }
            List<NDArray> boxes = new ArrayList<>();
            for (var b : fx.getAsJsonArray("boxes")) {
                boxes.add(TorchvisionFixture.floatArray(manager, b));
            }
            List<long[]> sizes = new ArrayList<>();
            for (var s : fx.getAsJsonArray("imageSizes")) {
                JsonArray a = s.getAsJsonArray();
                sizes.add(new long[] {a.get(0).getAsLong(), a.get(1).getAsLong()});
            }
            MultiScaleRoiAlign pooler = new MultiScaleRoiAlign(List.of("0", "1", "2", "3"), 7, 2);
            float[] scales = pooler.scales(features, sizes);
            JsonArray expectedScales = fx.getAsJsonArray("scales");
            for (int l = 0; l < scales.length; l++) {
                assertEquals(expectedScales.get(l).getAsFloat(), scales[l], 0f);
            }
            NDArray rois = MultiScaleRoiAlign.convertToRoiFormat(boxes);
            assertArrayEquals(
                    TorchvisionFixture.longs(fx.getAsJsonObject("levels")),
                    MultiScaleRoiAlign.levels(rois.get(":, 1:5"), scales).toLongArray());
            NDArray weight = TorchvisionFixture.floatArray(manager, fx.get("gradWeight"));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = pooler.pool(features, boxes, sizes);
                assertEquals(TorchvisionFixture.shape(fx.getAsJsonObject("output")), out.getShape());
                double err = TorchvisionFixture.maxAbsDiff(
                        TorchvisionFixture.floats(fx.getAsJsonObject("output")), out.toFloatArray());
                assertTrue(err < 1e-5, "forward max error " + err);
                gc.backward(out.mul(weight).sum());
            }
            JsonArray grads = fx.getAsJsonArray("grads");
            for (int l = 0; l < features.size(); l++) {
                double err = TorchvisionFixture.maxAbsDiff(
                        TorchvisionFixture.sparseToDense(grads.get(l).getAsJsonObject()),
                        features.get(l).getGradient().toFloatArray());
                assertTrue(err < 1e-5, "level " + l + " gradient max error " + err);
            }
        }
    }

    /** FPN eq. 1 by hand: sqrt(area) 224 -> level 4, 112 -> 3, 111 -> 2, 500 -> 5, 10000 -> 5. */
    @Test
    void levelMapperByHand() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray boxes = manager.create(
                    new float[] {
                        0, 0, 224, 224, 10, 10, 122, 122, 0, 0, 111, 111, 0, 0, 500, 500, 0, 0, 10000, 10000, 0, 0, 1, 1
                    },
                    new Shape(6, 4));
            float[] scales = {0.25f, 0.125f, 0.0625f, 0.03125f};
            assertArrayEquals(
                    new long[] {2, 1, 0, 3, 3, 0},
                    MultiScaleRoiAlign.levels(boxes, scales).toLongArray());
        }
    }

    @Test
    void singleLevelIsPlainRoiAlign() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Shape shape = new Shape(1, 3, 8, 10);
            NDArray f = manager.create(TorchvisionFixture.pattern(shape, 3), shape);
            NDArray boxes = manager.create(new float[] {3, 5, 60, 40, 10, 0, 128, 127}, new Shape(2, 4));
            NDArray out = new MultiScaleRoiAlign(List.of("0"), 7, 2)
                    .pool(List.of(f), List.of(boxes), List.of(new long[] {128, 160}));
            NDArray rois = MultiScaleRoiAlign.convertToRoiFormat(List.of(boxes));
            NDArray ref = RoiAlign.roiAlign(f, rois, 7, 7, 1.0 / 16, 2, false);
            assertArrayEquals(ref.toFloatArray(), out.toFloatArray(), 0f);
        }
    }
}
