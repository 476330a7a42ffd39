package org.cardinal.detector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.backbone.weights.StateDicts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetectorWeightsTest {

    @Test
    void legacyTorchvisionNamesAreRenamedAsTorchvisionDoes() {
        assertEquals("backbone.fpn.inner_blocks.2.0.weight",
                DetectorWeights.modernName("backbone.fpn.inner_blocks.2.weight"));
        assertEquals("backbone.fpn.layer_blocks.0.0.bias",
                DetectorWeights.modernName("backbone.fpn.layer_blocks.0.bias"));
        assertEquals("rpn.head.conv.0.0.weight", DetectorWeights.modernName("rpn.head.conv.weight"));
        assertEquals("rpn.head.conv.0.0.weight", DetectorWeights.modernName("rpn.head.conv.0.0.weight"));
        assertEquals("backbone.body.layer1.0.conv1.weight",
                DetectorWeights.modernName("backbone.body.layer1.0.conv1.weight"));
    }

    @Test
    void parameterNamesAreTorchvisions() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn model = FasterRcnnFactory.create(ModelFixtures.config());
            model.initialize(m, DataType.FLOAT32);
            Set<String> names = StateDicts.namedParameters(model).keySet();
            StateDict tv = StateDict.read(ModelFixtures.path("fasterrcnn.pth"));
            assertEquals(tv.keys(), names);
            assertTrue(names.contains("backbone.fpn.inner_blocks.0.0.weight"));
            assertTrue(names.contains("roi_heads.box_head.fc6.weight"));
        }
    }

    @Test
    void wrongNumberOfClassesNamesTheParameterAndShapes() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn model = FasterRcnnFactory.create(ModelFixtures.config().withNumClasses(6));
            model.initialize(m, DataType.FLOAT32);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DetectorWeights.loadTorchvision(model, ModelFixtures.path("fasterrcnn.pth"), true));
            assertTrue(e.getMessage().contains("fasterrcnn.pth")
                    && e.getMessage().contains("roi_heads.box_predictor.cls_score.weight")
                    && e.getMessage().contains("(6, 64)") && e.getMessage().contains("(4, 64)"),
                    e.getMessage());
        }
    }

    @Test
    void backboneWeightsLoadFromAClassifierOrADetectorCheckpoint(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn source = FasterRcnnFactory.create(ModelFixtures.config());
            source.initialize(m, DataType.FLOAT32);
            DetectorWeights.loadTorchvision(source, ModelFixtures.path("fasterrcnn.pth"), true);
            Path classifier = dir.resolve("body.safetensors");
            StateDicts.export(source.backbone().body()).write(classifier);

            for (Path file : new Path[] {classifier, ModelFixtures.path("fasterrcnn.pth")}) {
                FasterRcnn target = FasterRcnnFactory.create(ModelFixtures.config());
                target.initialize(m, DataType.FLOAT32);
                DetectorWeights.loadBackbone(target, file);
                Map<String, Parameter> a = StateDicts.namedParameters(source.backbone().body());
                Map<String, Parameter> b = StateDicts.namedParameters(target.backbone().body());
                for (String name : a.keySet()) {
                    assertEquals(0f, a.get(name).getArray().sub(b.get(name).getArray()).abs().max().getFloat(),
                            name + " from " + file.getFileName());
                }
            }
        }
    }

    @Test
    void djlSaveAndLoadParametersRoundTrip() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn a = FasterRcnnFactory.create(ModelFixtures.config());
            a.initialize(m, DataType.FLOAT32);
            DetectorWeights.loadTorchvision(a, ModelFixtures.path("fasterrcnn.pth"), true);
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            a.saveParameters(new java.io.DataOutputStream(bytes));
            FasterRcnn b = FasterRcnnFactory.create(ModelFixtures.config());
            b.initialize(m, DataType.FLOAT32);
            b.loadParameters(m, new java.io.DataInputStream(
                    new java.io.ByteArrayInputStream(bytes.toByteArray())));
            Map<String, Parameter> pa = StateDicts.namedParameters(a);
            Map<String, Parameter> pb = StateDicts.namedParameters(b);
            for (String name : pa.keySet()) {
                assertEquals(0f, pa.get(name).getArray().sub(pb.get(name).getArray()).abs().max().getFloat(), name);
            }
        }
    }
}
