package org.cardinal.detector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.core.config.ConfigPath;
import org.junit.jupiter.api.Test;

/** Training mode of both variants on the tiny fixture architecture (random weights). */
class FasterRcnnTrainingTest {

    private static Target target(NDManager m) {
        NDArray boxes = m.create(new float[] {10, 20, 80, 90, 60, 30, 140, 110}, new Shape(2, 4));
        NDArray labels = m.create(new long[] {1, 2});
        return new Target(boxes, labels);
    }

    private static double step(FasterRcnn model, ParameterStore ps, Optimizer sgd, NDArray image, Target t) {
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            Map<String, NDArray> losses = model.losses(ps, List.of(image), List.of(t));
            assertEquals(FasterRcnn.LOSS_NAMES, new ArrayList<>(losses.keySet()));
            NDArray total = NDArrays.add(losses.values().toArray(new NDArray[0]));
            for (Map.Entry<String, NDArray> e : losses.entrySet()) {
                float v = e.getValue().getFloat();
                assertTrue(Float.isFinite(v) && v >= 0, e.getKey() + " = " + v);
            }
            gc.backward(total);
            double value = total.getFloat();
            for (Parameter p : model.getParameters().values()) {
                if (p.requiresGradient()) {
                    sgd.update(p.getId(), p.getArray(), p.getArray().getGradient());
                }
            }
            return value;
        }
    }

    @Test
    void lossesAreFiniteAndDecreaseOverSgdSteps() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            // Fewer proposals and RoIs than torchvision's defaults keep the test quick on 2 cores.
            JsonObject j = ModelFixtures.config().toJson();
            j.addProperty("rpn_pre_nms_top_n_train", 500);
            j.addProperty("rpn_post_nms_top_n_train", 500);
            j.addProperty("box_batch_size_per_image", 128);
            FasterRcnn model = FasterRcnnFactory.create(DetectorConfig.fromJson(j, ConfigPath.root("test")));
            model.initialize(manager, DataType.FLOAT32);
            Optimizer sgd = Optimizer.sgd()
                    .setLearningRateTracker(Tracker.fixed(0.01f))
                    .optMomentum(0.9f)
                    .build();
            List<Double> totals = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                // Inputs live in the step's scope, so every intermediate is freed with it.
                try (NDManager scope = manager.newSubManager()) {
                    NDArray image = ModelFixtures.images(scope).get(0);
                    totals.add(step(model, new ParameterStore(scope, false), sgd, image, target(scope)));
                }
            }
            double last = (totals.get(5) + totals.get(6) + totals.get(7)) / 3;
            assertTrue(last < 0.85 * totals.get(0), "losses " + totals);
        }
    }

    @Test
    void forwardLayoutCarriesImagesAndTargets() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            FasterRcnn model = FasterRcnnFactory.create(ModelFixtures.config());
            model.initialize(manager, DataType.FLOAT32);
            List<NDArray> images = ModelFixtures.images(manager).subList(0, 2);
            Target t = target(manager);
            NDList in = new NDList(
                    images.get(0),
                    images.get(1),
                    t.boxes(),
                    t.labels(),
                    manager.zeros(new Shape(0, 4)),
                    manager.zeros(new Shape(0), DataType.INT64));
            ParameterStore ps = new ParameterStore(manager, false);
            NDList losses = model.forward(ps, in, true);
            assertEquals(4, losses.size());
            for (int i = 0; i < 4; i++) {
                assertEquals(FasterRcnn.LOSS_NAMES.get(i), losses.get(i).getName());
                assertTrue(Float.isFinite(losses.get(i).getFloat()));
            }
            NDList dets = model.forward(ps, new NDList(images.get(0), images.get(1)), false);
            assertEquals(6, dets.size());
            assertEquals("boxes_1", dets.get(3).getName());
            assertEquals(4, dets.get(0).getShape().get(1));
        }
    }

    @Test
    void c4VariantTrainsRes5AsBoxHeadAndDetects() throws Exception {
        JsonObject j = JsonParser.parseString(
                        "{\"variant\": \"c4\", \"num_classes\": 3, \"min_size\": 128, \"max_size\": 160,"
                                + " \"backbone\": {\"block\": \"bottleneck\", \"layers\": [1, 1, 1, 1],"
                                + " \"cardinality\": 4, \"bottleneck_width\": 8, \"base_channels\": 16},"
                                + " \"box_batch_size_per_image\": 64}")
                .getAsJsonObject();
        DetectorConfig config = DetectorConfig.fromJson(j, ConfigPath.root("c4 test"));
        try (NDManager manager = NDManager.newBaseManager()) {
            FasterRcnn model = FasterRcnnFactory.create(config);
            model.initialize(manager, DataType.FLOAT32);
            Map<String, Parameter> named = StateDicts.namedParameters(model);
            Parameter cls = named.get("roi_heads.box_predictor.cls_score.weight");
            assertEquals(new Shape(3, 512), cls.getArray().getShape());
            assertEquals(
                    new Shape(15, 256, 1, 1),
                    named.get("rpn.head.cls_logits.weight").getArray().getShape());
            Parameter res5 = named.get("backbone.body.layer4.0.conv1.weight");
            Parameter res2 = named.get("backbone.body.layer1.0.conv1.weight");
            NDArray image = ModelFixtures.images(manager).get(1);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                Map<String, NDArray> losses =
                        model.losses(new ParameterStore(manager, false), List.of(image), List.of(target(manager)));
                gc.backward(NDArrays.add(losses.values().toArray(new NDArray[0])));
                assertEquals(
                        cls.getArray().getShape(), cls.getArray().getGradient().getShape());
                assertTrue(cls.getArray().getGradient().abs().sum().getFloat() > 0);
                assertTrue(
                        res5.getArray().getGradient().abs().sum().getFloat() > 0,
                        "res5 is the box head and gets gradients");
                assertTrue(!res2.requiresGradient(), "layer1 is frozen (trainable_backbone_layers 3)");
            }
            List<Detections> dets = model.detect(new ParameterStore(manager, false), List.of(image));
            Detections d = dets.get(0);
            long n = d.scores().getShape().get(0);
            assertEquals(new Shape(n, 4), d.boxes().getShape());
            assertEquals(new Shape(n), d.labels().getShape());
            assertTrue(n <= 100);
        }
    }

    /** A part that computes on a copy detached from the graph (DJL's one-array concat did) never trains. */
    @Test
    void everyTrainableParameterOfBothVariantsGetsAGradient() throws Exception {
        JsonObject c4 = JsonParser.parseString(
                        "{\"variant\": \"c4\", \"num_classes\": 3, \"min_size\": 128, \"max_size\": 160,"
                                + " \"backbone\": {\"block\": \"bottleneck\", \"layers\": [1, 1, 1, 1],"
                                + " \"cardinality\": 4, \"bottleneck_width\": 8, \"base_channels\": 16},"
                                + " \"box_batch_size_per_image\": 64}")
                .getAsJsonObject();
        for (DetectorConfig config :
                List.of(ModelFixtures.config(), DetectorConfig.fromJson(c4, ConfigPath.root("c4 test")))) {
            try (NDManager manager = NDManager.newBaseManager()) {
                FasterRcnn model = FasterRcnnFactory.create(config);
                model.initialize(manager, DataType.FLOAT32, 5L);
                NDArray image = ModelFixtures.images(manager).get(1);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    Map<String, NDArray> losses =
                            model.losses(new ParameterStore(manager, false), List.of(image), List.of(target(manager)));
                    gc.backward(NDArrays.add(losses.values().toArray(new NDArray[0])));
                    List<String> without = new ArrayList<>();
                    StateDicts.namedParameters(model).forEach((name, p) -> {
                        if (p.requiresGradient()
                                && p.getArray().getGradient().abs().sum().getFloat() == 0) {
                            without.add(name);
                        }
                    });
                    assertEquals(List.of(), without, config.variant() + ": parameters without a gradient");
                }
            }
        }
    }
}
