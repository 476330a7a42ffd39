package org.cardinal.detector;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Full-size parity (torchvision fasterrcnn_resnet50_fpn architecture, 800 x 1333 inputs) on a
 * folder written by {@code make_fixtures.py --full OUT} (about 170 MB, so not committed):
 * {@code mvn -o -pl detector verify -Plong -Dcardinal.fullParity=OUT}.
 */
@Tag("long")
class FullSizeParityTest {

    @Test
    void fullSizeModelMatchesTorchvision() throws Exception {
        String dir = System.getProperty("cardinal.fullParity");
        // The fixture needs the torchvision peer and 170 MB; without it there is nothing to compare.
        assumeTrue(dir != null, "set -Dcardinal.fullParity=OUT after running make_fixtures.py --full OUT");
        Path root = Path.of(dir);
        assertTrue(Files.isRegularFile(root.resolve("fasterrcnn.pth")), root + " holds no fixture");
        try (ParityCheck check = new ParityCheck(root)) {
            double diff = check.checkTransform();
            double proposals = check.checkProposals(300);
            double[] worst = check.checkDetections();
            System.out.printf(
                    "full-size parity (%s): transform max diff %.2e, proposals worst IoU %.6f,"
                            + " detections min IoU %.6f, max score difference %.2e%n",
                    root, diff, proposals, worst[0], worst[1]);
        }
    }
}
