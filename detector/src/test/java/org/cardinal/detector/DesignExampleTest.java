package org.cardinal.detector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.detector.ops.MultiScaleRoiAlign;
import org.cardinal.detector.train.RunConfig;
import org.junit.jupiter.api.Test;

/**
 * The example of docs/design.md, compiled and run: a detector assembled from the factory's parts
 * with a box head of the user's own, which trains (losses) and detects. The page shows exactly
 * the code between the BEGIN and END markers below.
 */
class DesignExampleTest {

    private static final Path PAGE = Path.of("..", "docs", "design.md");
    private static final Path SELF =
            Path.of("src", "test", "java", "org", "cardinal", "detector", "DesignExampleTest.java");

    @Test
    void ownBoxHeadPlugsIntoTheFactorysParts() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            // BEGIN design.md
            DetectorConfig config = RunConfig.load(Path.of("../configs/detectors/demo_tiny_fpn.json"))
                    .model();
            DetectionBackbone backbone = FasterRcnnFactory.backbone(config);
            SequentialBlock myBoxHead = new SequentialBlock() // any DJL block: (R, C, 7, 7) -> (R, F)
                    .add(Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(128).build())
                    .add(Activation::relu);
            RoiHeads roiHeads = new RoiHeads(
                    new MultiScaleRoiAlign(List.of("0", "1", "2", "3"), 7, 2), // FPN levels, by name
                    myBoxHead,
                    new FastRcnnPredictor(128, config.numClasses()),
                    FasterRcnnFactory.roiHeads(config, backbone).params());
            FasterRcnn model = FasterRcnn.builder()
                    .setTransform(FasterRcnnFactory.transform(config))
                    .setBackbone(backbone)
                    .setRpn(FasterRcnnFactory.rpn(config, backbone))
                    .setRoiHeads(roiHeads)
                    .build();
            model.initialize(manager, DataType.FLOAT32, 42); // every part from its own seeded stream
            // END design.md

            ParameterStore ps = new ParameterStore(manager, false);
            NDArray image = manager.randomUniform(0, 1, new Shape(3, 200, 240));
            Target target = new Target(
                    manager.create(new float[] {20, 30, 120, 140}, new Shape(1, 4)), manager.create(new long[] {1}));
            Map<String, NDArray> losses = model.losses(ps, List.of(image), List.of(target));
            assertEquals(FasterRcnn.LOSS_NAMES, List.copyOf(losses.keySet()));
            for (NDArray loss : losses.values()) {
                assertTrue(Float.isFinite(loss.getFloat()));
            }
            Detections d = model.detect(ps, List.of(image)).get(0);
            assertEquals(4, d.boxes().getShape().get(1));
            // the user's head sits where torchvision's would, under roi_heads.box_head
            assertTrue(StateDicts.namedParameters(model).containsKey("roi_heads.box_head.1.weight"));
        }
    }

    @Test
    void thePageShowsThisCode() throws IOException {
        Matcher m = Pattern.compile("// BEGIN design.md\n(.*?)\n\\s*// END design.md", Pattern.DOTALL)
                .matcher(Files.readString(SELF));
        assertTrue(m.find());
        String code = normalize(m.group(1));
        assertTrue(
                normalize(Files.readString(PAGE)).contains(code),
                "docs/design.md must show the example of " + SELF + " as it is:\n" + m.group(1));
    }

    private static String normalize(String s) {
        return s.replaceAll("\\s+", " ").trim();
    }
}
