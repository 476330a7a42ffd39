package org.cardinal.detector;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * torchvision's FasterRCNN (a tiny ResNeXt-FPN, model/fasterrcnn.pth loaded by parameter name) and
 * this one give the same transform batch, proposals and detections on the same three images of
 * different sizes (model/make_fixtures.py, torchvision 0.29).
 */
class FasterRcnnParityTest {

    private static ParityCheck check;

    @BeforeAll
    static void load() throws Exception {
        check = new ParityCheck(ModelFixtures.path("model.json").getParent());
    }

    @AfterAll
    static void close() {
        check.close();
    }

    @Test
    void detectionsMatchTorchvision() {
        double[] worst = check.checkDetections();
        System.out.printf("tiny FPN parity: min IoU %.6f, max score difference %.2e%n", worst[0], worst[1]);
        assertTrue(worst[0] > 0.99 && worst[1] < 0.01);
    }

    @Test
    void proposalsMatchTorchvision() {
        assertTrue(check.checkProposals(300) > 0.99);
    }

    @Test
    void transformBatchMatchesTorchvision() {
        assertTrue(check.checkTransform() < 1e-4);
    }
}
