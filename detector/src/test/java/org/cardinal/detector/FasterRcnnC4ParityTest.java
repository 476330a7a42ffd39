package org.cardinal.detector;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import org.cardinal.core.config.ConfigPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The paper's C4 detector against torchvision's FasterRCNN assembled from its public parts (body
 * to layer3, {@code MultiScaleRoIAlign(["0"], 14, 2)}, layer4 + average pooling as the box head),
 * on a tiny ResNet (basic blocks) and a tiny ResNeXt (4x8d): model/c4/&lt;arch&gt;/, written by
 * model/make_c4_fixtures.py with torchvision 0.29. The checkpoint keeps torchvision's names
 * ({@code roi_heads.box_head.0.*}); {@link DetectorWeights} maps them.
 */
class FasterRcnnC4ParityTest {

    /**
     * Relative tolerance of the losses: measured differences are below 3e-7 (libtorch 2.7.1 against
     * PyTorch 2.14); sampling RoIAlign adaptively instead of 2x2 moves them by 1.5e-4.
     */
    private static final double LOSS_TOLERANCE = 1e-5;

    private static ParityCheck check(String arch) throws Exception {
        return new ParityCheck(ModelFixtures.path("c4/" + arch + "/model.json").getParent());
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet_tiny", "resnext_tiny"})
    void detectionsMatchTorchvision(String arch) throws Exception {
        try (ParityCheck check = check(arch)) {
            double[] worst = check.checkDetections();
            System.out.printf(
                    "tiny C4 parity (%s): min IoU %.6f, max score difference %.2e%n", arch, worst[0], worst[1]);
            assertTrue(worst[0] > 0.99 && worst[1] < 0.01);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet_tiny", "resnext_tiny"})
    void proposalsMatchTorchvision(String arch) throws Exception {
        try (ParityCheck check = check(arch)) {
            double worst = check.checkProposals(300);
            System.out.printf("tiny C4 proposals (%s): worst IoU %.6f%n", arch, worst);
            assertTrue(worst > 0.99);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet_tiny", "resnext_tiny"})
    void trainingLossesMatchTorchvision(String arch) throws Exception {
        try (ParityCheck check = check(arch)) {
            double[][] losses = check.checkLosses(LOSS_TOLERANCE);
            StringBuilder line = new StringBuilder("tiny C4 losses (" + arch + "):");
            for (int k = 0; k < losses.length; k++) {
                line.append(String.format(
                        " %s %.6f vs %.6f (relative %.1e)",
                        FasterRcnn.LOSS_NAMES.get(k),
                        losses[k][0],
                        losses[k][1],
                        Math.abs(losses[k][0] - losses[k][1]) / Math.max(losses[k][1], 1e-3)));
            }
            System.out.println(line);
        }
    }

    /**
     * The fixture tells RoIAlign flavours apart: with detectron2's adaptive sampling
     * (sampling_ratio 0) instead of torchvision's 2x2 the losses no longer match. Detections at
     * IoU 0.99 / score 0.01 barely notice on tiny images, where most bins are under two cells.
     */
    @Test
    void adaptiveSamplingDoesNotPassForTorchvisionsTwoByTwo() throws Exception {
        Path dir = ModelFixtures.path("c4/resnext_tiny/model.json").getParent();
        JsonObject json = DetectorConfig.load(dir.resolve("model.json")).toJson();
        json.addProperty("sampling_ratio", 0);
        try (ParityCheck check = new ParityCheck(dir, DetectorConfig.fromJson(json, ConfigPath.root("adaptive")))) {
            double worst = 0;
            for (double[] loss : check.checkLosses(Double.POSITIVE_INFINITY)) {
                worst = Math.max(worst, Math.abs(loss[0] - loss[1]) / Math.max(Math.abs(loss[1]), 1e-3));
            }
            System.out.printf("tiny C4 losses with adaptive sampling: relative difference %.1e%n", worst);
            assertTrue(worst > LOSS_TOLERANCE, "relative difference " + worst);
        }
    }
}
