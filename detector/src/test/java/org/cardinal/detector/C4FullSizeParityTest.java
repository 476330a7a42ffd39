package org.cardinal.detector;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Full-size C4 parity (ResNet-50 or ResNeXt-50 32x4d, 800 x 1333 inputs, 91 classes) on folders
 * written by {@code make_c4_fixtures.py OUT --arch resnet50|resnext50_32x4d} (about 140 MB each,
 * so not committed): {@code mvn -pl detector -am test -Plong -Dtest=C4FullSizeParityTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dcardinal.c4Parity=OUT1,OUT2}. docs/c4-parity.md
 * records the numbers.
 */
@Tag("long")
class C4FullSizeParityTest {

    /**
     * Relative tolerance of the four losses. Full-size features are large, so float32 rounding
     * in long sums (two libtorch versions, other kernels) moves them more than on the tiny model.
     */
    private static final double LOSS_TOLERANCE = 1e-4;

    @Test
    void fullSizeC4ModelsMatchTorchvision() throws Exception {
        String dirs = System.getProperty("cardinal.c4Parity");
        // The fixtures need the torchvision peer and 140 MB each; without them nothing to compare.
        assumeTrue(dirs != null, "set -Dcardinal.c4Parity=OUT[,OUT2] after make_c4_fixtures.py OUT --arch resnet50");
        for (String dir : dirs.split(",")) {
            Path root = Path.of(dir.strip());
            assertTrue(Files.isRegularFile(root.resolve("fasterrcnn.pth")), root + " holds no fixture");
            long start = System.nanoTime();
            try (ParityCheck check = new ParityCheck(root)) {
                double proposals = check.checkProposals(300);
                double[] worst = check.checkDetections();
                double[][] losses = check.checkLosses(LOSS_TOLERANCE);
                StringBuilder line = new StringBuilder(String.format(
                        "full-size C4 parity (%s, %s): proposals worst IoU %.6f, detections min IoU"
                                + " %.6f, max score difference %.2e; losses",
                        ((org.cardinal.backbone.ResNet) check.model.backbone().body())
                                .config()
                                .name(),
                        root,
                        proposals,
                        worst[0],
                        worst[1]));
                for (int k = 0; k < losses.length; k++) {
                    line.append(String.format(
                            " %s %.6f vs %.6f (relative %.1e)",
                            FasterRcnn.LOSS_NAMES.get(k),
                            losses[k][0],
                            losses[k][1],
                            Math.abs(losses[k][0] - losses[k][1]) / Math.max(losses[k][1], 1e-3)));
                }
                line.append(String.format("; %.0f s", (System.nanoTime() - start) / 1e9));
                System.out.println(line);
            }
        }
    }
}
