package org.cardinal.detector.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which parameters outside the backbone a comparison of backbones of different widths cannot start
 * identical. The expected lists follow from torchvision's definitions: the FPN's lateral 1x1
 * convolution {@code inner_blocks.i} maps stage i's channels to the FPN width (its bias starts at
 * 0); in C4 the RPN head runs on C4 (a 3x3 convolution of C4 channels, then 1x1 convolutions to
 * the anchors' logits and boxes, weights from N(0, 0.01), biases 0) and the predictor's linear
 * layers take C5, their biases drawn from U(-1/sqrt(C5), 1/sqrt(C5)) as PyTorch's {@code
 * nn.Linear} does: same shape, different range. The backbones: basic blocks with 8 base channels
 * (stages 8, 16, 32, 64) against bottlenecks with 8 base channels (32, 64, 128, 256).
 */
class SharedInitializationTest {

    @TempDir
    Path dir;

    private SharedInitialization check(String variant, String... backbones) throws IOException {
        return new Comparison(
                        ComparisonConfig.load(TinyComparison.write(dir, variant, "\"seeds\": 1,", backbones)),
                        dir.resolve("out"))
                .initialization();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fpn", "c4"})
    void backbonesWithEqualStageChannelsShareEveryOtherPart(String variant) throws IOException {
        SharedInitialization s = check(variant, TinyComparison.RESNET, TinyComparison.RESNEXT);
        assertTrue(s.complete(), s.toString());
        assertTrue(s.warnings().isEmpty());
        assertTrue(s.shared().contains("rpn.head.conv.0.0.weight"), s.shared().toString());
        assertTrue(
                s.shared().contains("roi_heads.box_predictor.cls_score.weight"),
                s.shared().toString());
        // the backbone is not counted: nothing of the body, whose grouped convolutions differ
        assertTrue(
                s.shared().stream().noneMatch(n -> n.startsWith("backbone.body.")),
                s.shared().toString());
        assertTrue(s.summary().startsWith("every part but the backbone starts from the same weights"), s.summary());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fpn", "c4"})
    void backbonesOfDifferentWidthsNameEveryParameterWhoseShapeFollowsTheBackbone(String variant) throws IOException {
        SharedInitialization s = check(variant, TinyComparison.BASIC, TinyComparison.RESNET);
        assertEquals(List.of("tiny_basic", "tiny_resnet"), s.backbones());
        List<String> expected = new ArrayList<>();
        if (variant.equals("fpn")) {
            int[] basic = {8, 16, 32, 64};
            int[] bottleneck = {32, 64, 128, 256};
            for (int i = 0; i < 4; i++) {
                expected.add("backbone.fpn.inner_blocks." + i + ".0.weight [16, " + basic[i] + ", 1, 1] [16, "
                        + bottleneck[i] + ", 1, 1]");
            }
            // what the FPN hands on has its own width: the rest of the FPN and both heads start identical
            assertTrue(
                    s.shared().contains("backbone.fpn.inner_blocks.0.0.bias"),
                    s.shared().toString());
            assertTrue(
                    s.shared().contains("backbone.fpn.layer_blocks.3.0.weight"),
                    s.shared().toString());
            assertTrue(
                    s.shared().contains("rpn.head.conv.0.0.weight"), s.shared().toString());
            assertTrue(
                    s.shared().contains("roi_heads.box_head.fc6.weight"),
                    s.shared().toString());
            assertEquals(List.of("FPN"), s.parts());
        } else {
            // C4: 32 against 128 channels; C5: 64 against 256; 9 anchors per location, 3 classes
            expected.add("rpn.head.conv.0.0.weight [32, 32, 3, 3] [128, 128, 3, 3]");
            expected.add("rpn.head.conv.0.0.bias [32] [128]");
            expected.add("rpn.head.cls_logits.weight [9, 32, 1, 1] [9, 128, 1, 1]");
            expected.add("rpn.head.bbox_pred.weight [36, 32, 1, 1] [36, 128, 1, 1]");
            expected.add("roi_heads.box_predictor.cls_score.weight [3, 64] [3, 256]");
            expected.add("roi_heads.box_predictor.bbox_pred.weight [12, 64] [12, 256]");
            expected.add("roi_heads.box_predictor.cls_score.bias [3] [3]");
            expected.add("roi_heads.box_predictor.bbox_pred.bias [12] [12]");
            assertEquals(List.of("rpn.head.cls_logits.bias", "rpn.head.bbox_pred.bias"), s.shared());
            String bias = s.warnings().stream()
                    .filter(w -> w.startsWith("roi_heads.box_predictor.cls_score.bias "))
                    .findFirst()
                    .orElseThrow();
            assertEquals(
                    "roi_heads.box_predictor.cls_score.bias (predictor) starts from different weights, its shape [3] "
                            + "in every arm but its initial range following the backbone's (the fan-in of its layer)",
                    bias);
            assertEquals(List.of("RPN head", "predictor"), s.parts());
        }
        List<String> found = s.differing().stream()
                .map(d -> d.parameter() + " " + String.join(" ", d.shapes()))
                .toList();
        assertEquals(
                expected.stream().sorted().toList(), found.stream().sorted().toList());
        assertFalse(s.complete());
        assertEquals(expected.size(), s.warnings().size());
        String first = s.differing().get(0).parameter();
        assertTrue(
                s.warnings()
                        .get(0)
                        .startsWith(first + " (" + s.differing().get(0).part()
                                + ") starts from different weights, its shape following the backbone's: "),
                s.warnings().get(0));
        assertTrue(s.warnings().get(0).contains(" in tiny_basic, ")
                && s.warnings().get(0).endsWith(" in tiny_resnet"));
        assertTrue(
                s.summary()
                        .startsWith(s.shared().size() + " of the " + (s.shared().size() + expected.size())
                                + " parameter tensors outside the backbone start from the same weights"),
                s.summary());
    }
}
