package org.cardinal.detector.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.core.train.MomentumSgd;
import org.cardinal.detector.Detections;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.FasterRcnnFactory;
import org.cardinal.detector.StageListener;
import org.cardinal.detector.data.DetectionSample;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Live native tensors (the engine arrays DJL holds) of the tiny Faster R-CNN, FPN and C4, counted
 * under the engine's system manager:
 *
 * <ul>
 *   <li>none outlives a training step or an inference call: after each of 20 steps, and each of 20
 *       calls, the count is the one after the first (which made the momentum buffers);
 *   <li>the backbone stage leaves alive only the feature maps it returns, in training as in
 *       inference: every intermediate array of the body and the FPN is freed once used. DJL
 *       itself would keep each of them (every conv's, norm's and ReLU's output) until the step's
 *       manager closes, as it did here before.
 * </ul>
 */
class LiveTensorsTest {

    private static final String MODEL = """
            {"backbone": "resnet_tiny", "num_classes": 3, "min_size": 64, "max_size": 64,
             "trainable_backbone_layers": 3, "fpn_channels": 16, "representation_size": 32,
             "rpn_pre_nms_top_n_train": 200, "rpn_post_nms_top_n_train": 100, "rpn_batch_size_per_image": 64,
             "box_batch_size_per_image": 16, "variant": "%s"}""";

    @ParameterizedTest
    @ValueSource(strings = {"fpn", "c4"})
    void noArrayOutlivesATrainingStepOrAnInferenceCall(String architecture) {
        try (NDManager probe = NDManager.newBaseManager();
                NDManager m = NDManager.newBaseManager()) {
            NDManager system = probe.getParentManager();
            FasterRcnn model = model(architecture, m);
            List<DetectionSample> batch = batch(m);
            List<Integer> afterStep = new ArrayList<>();
            List<Integer> afterCall = new ArrayList<>();
            try (TrainingStep step = new TrainingStep(model, new Device[] {Device.cpu()}, sgd(), 10)) {
                for (int i = 0; i < 20; i++) {
                    step.run(batch, i, 3, m);
                    afterStep.add(system.getManagedArrays().size());
                }
                for (int i = 0; i < 20; i++) {
                    detect(model, step, batch);
                    afterCall.add(system.getManagedArrays().size());
                }
            }
            for (int i = 1; i < 20; i++) {
                assertEquals(afterStep.get(0), afterStep.get(i), "live arrays after each training step: " + afterStep);
                assertEquals(afterCall.get(0), afterCall.get(i), "live arrays after each inference call: " + afterCall);
            }
            // an inference call leaves nothing behind either: the steps' count, after the first call
            assertEquals(afterStep.get(19), afterCall.get(0), "an inference call kept arrays");
        }
    }

    /**
     * No parameter keeps a gradient tensor between steps (libtorch's own {@code .grad}, which DJL
     * does not count among its arrays), as after PyTorch's {@code zero_grad(set_to_none=True)},
     * while the step still trains every trainable parameter.
     */
    @ParameterizedTest
    @ValueSource(strings = {"fpn", "c4"})
    void noParameterKeepsAGradientBetweenSteps(String architecture) {
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn model = model(architecture, m);
            List<DetectionSample> batch = batch(m);
            Map<String, float[]> before = new LinkedHashMap<>();
            model.getParameters().forEach(p -> {
                if (p.getValue().requiresGradient()) {
                    before.put(p.getKey(), p.getValue().getArray().toFloatArray());
                }
            });
            try (TrainingStep step = new TrainingStep(model, new Device[] {Device.cpu()}, sgd(), 10)) {
                step.run(batch, 0, 3, m);
                step.run(batch, 1, 3, m);
            }
            assertTrue(before.size() > 10, "trainable parameters: " + before.size());
            for (Pair<String, Parameter> p : model.getParameters()) {
                NDArray a = p.getValue().getArray();
                assertNull(JniUtils.getGradient((PtNDArray) a), p.getKey() + " kept a gradient");
                if (before.containsKey(p.getKey())) {
                    assertFalse(
                            Arrays.equals(before.get(p.getKey()), a.toFloatArray()), p.getKey() + " was not trained");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fpn", "c4"})
    void theBackboneStageLeavesOnlyItsFeatureMapsAlive(String architecture) {
        try (NDManager probe = NDManager.newBaseManager();
                NDManager m = NDManager.newBaseManager()) {
            NDManager system = probe.getParentManager();
            FasterRcnn model = model(architecture, m);
            List<DetectionSample> batch = batch(m);
            int maps = model.backbone().outputShapes().size();
            int[] start = new int[1];
            List<Integer> growth = new ArrayList<>();
            StageListener counter = new StageListener() {
                @Override
                public void onStageStart(String stage) {
                    if (stage.equals("backbone")) {
                        start[0] = system.getManagedArrays().size();
                    }
                }

                @Override
                public void onStageEnd(String stage) {
                    if (stage.equals("backbone")) {
                        growth.add(system.getManagedArrays().size() - start[0]);
                    }
                }
            };
            try (TrainingStep step = new TrainingStep(model, new Device[] {Device.cpu()}, sgd(), 10)) {
                step.setStageListener(counter);
                step.run(batch, 0, 3, m);
                detect(model, step, batch);
            }
            assertEquals(2, growth.size(), "one training and one inference backbone stage: " + growth);
            // FPN: P2..P6 (the P6 is a view of P5, one more array); C4: the C4 map. Nothing else.
            for (int g : growth) {
                assertTrue(
                        g <= maps, "the backbone stage left " + g + " arrays alive for " + maps + " maps: " + growth);
            }
        }
    }

    private static FasterRcnn model(String architecture, NDManager m) {
        DetectorConfig config = DetectorConfig.fromJson(
                JsonFiles.parseObject(String.format(MODEL, architecture), "model"), ConfigPath.root("model"));
        FasterRcnn model = FasterRcnnFactory.create(config);
        model.initialize(m, DataType.FLOAT32, 5);
        return model;
    }

    private static MomentumSgd sgd() {
        return MomentumSgd.builder()
                .setLearningRateTracker(Tracker.fixed(0.01f))
                .optMomentum(0.9f)
                .optWeightDecay(1e-4f)
                .build();
    }

    /** The first two of {@link DataParallelTest}'s images, with their boxes. */
    private static List<DetectionSample> batch(NDManager m) {
        return DataParallelTest.batch(m).subList(0, 2);
    }

    /** One inference call on the batch's images; the detections are closed at once. */
    private static void detect(FasterRcnn model, TrainingStep step, List<DetectionSample> batch) {
        List<NDArray> images = new ArrayList<>();
        for (DetectionSample s : batch) {
            images.add(s.image());
        }
        for (Detections d : model.detect(step.store(), images)) {
            d.boxes().close();
            d.scores().close();
            d.labels().close();
        }
    }
}
