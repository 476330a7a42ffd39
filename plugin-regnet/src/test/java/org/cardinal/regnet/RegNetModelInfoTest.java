package org.cardinal.regnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tools/model-info} takes a RegNet by name with the plugin on the class path and prints the paper-style table. */
class RegNetModelInfoTest {

    @TempDir
    Path dir;

    @Test
    void modelInfoPrintsStagesWidthsGroupsParametersAndMacs() throws Exception {
        Tools.Run info = Tools.java(dir, "org.cardinal.tools.ModelInfo", List.of("--arch", "regnet_x_400mf"));
        assertEquals(0, info.code(), info.stderr());
        String out = info.stdout();
        assertTrue(
                out.contains("regnet_x_400mf (regnet: RegNetX, depths [1, 2, 7, 12], widths [32, 64, 160, 400], "
                        + "group width 16) at 224x224"),
                out);
        // block4: 400 channels, 25 groups of 16, 12 blocks (torchvision's regnet_x_400mf)
        assertTrue(out.contains("[1x1, 400; 3x3, 400, g=25; 1x1, 400] x12"), out);
        // the total is torchvision's parameter count (torchvision_sizes.json) and 0.414 GMACs
        assertTrue(
                out.lines().anyMatch(l -> l.startsWith("total") && l.contains("5,495,976") && l.endsWith("0.414")),
                out);
    }
}
