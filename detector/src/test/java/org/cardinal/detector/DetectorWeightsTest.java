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
import org.cardinal.backbone.weights.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetectorWeightsTest {

    private static FasterRcnn c4(NDManager m, String arch) throws Exception {
        FasterRcnn model =
                FasterRcnnFactory.create(DetectorConfig.load(ModelFixtures.path("c4/" + arch + "/model.json")));
        model.initialize(m, DataType.FLOAT32);
        return model;
    }

    @Test
    void legacyTorchvisionNamesAreRenamedAsTorchvisionDoes() {
        assertEquals(
                "backbone.fpn.inner_blocks.2.0.weight",
                DetectorWeights.modernName("backbone.fpn.inner_blocks.2.weight"));
        assertEquals(
                "backbone.fpn.layer_blocks.0.0.bias", DetectorWeights.modernName("backbone.fpn.layer_blocks.0.bias"));
        assertEquals("rpn.head.conv.0.0.weight", DetectorWeights.modernName("rpn.head.conv.weight"));
        assertEquals("rpn.head.conv.0.0.weight", DetectorWeights.modernName("rpn.head.conv.0.0.weight"));
        assertEquals(
                "backbone.body.layer1.0.conv1.weight",
                DetectorWeights.modernName("backbone.body.layer1.0.conv1.weight"));
    }

    @Test
    void c4BoxHeadNamesMapOntoTheBodysLayer4() {
        assertEquals(
                "backbone.body.layer4.2.downsample.0.weight",
                DetectorWeights.modernName("roi_heads.box_head.0.2.downsample.0.weight"));
        assertEquals(
                "backbone.body.layer4.0.bn3.running_var",
                DetectorWeights.modernName("roi_heads.box_head.layer4.0.bn3.running_var"));
        // An IntermediateLayerGetter used as the backbone directly has no "body" level.
        assertEquals(
                "backbone.body.layer3.5.conv2.weight", DetectorWeights.modernName("backbone.layer3.5.conv2.weight"));
        assertEquals("backbone.body.bn1.running_mean", DetectorWeights.modernName("backbone.bn1.running_mean"));
        // Other heads' layers keep their names: the FPN MLP head, torchvision's v2 conv head.
        assertEquals("roi_heads.box_head.fc6.weight", DetectorWeights.modernName("roi_heads.box_head.fc6.weight"));
        assertEquals("roi_heads.box_head.0.0.weight", DetectorWeights.modernName("roi_heads.box_head.0.0.weight"));
        assertEquals(
                "backbone.fpn.layer_blocks.0.0.weight",
                DetectorWeights.modernName("backbone.fpn.layer_blocks.0.0.weight"));
    }

    @Test
    void torchvisionC4CheckpointNamesAreThisModelsOnceMapped() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            for (String arch : new String[] {"resnet_tiny", "resnext_tiny"}) {
                Path file = ModelFixtures.path("c4/" + arch + "/fasterrcnn.pth");
                StateDict tv = StateDict.read(file);
                assertTrue(tv.contains("roi_heads.box_head.0.0.conv1.weight"), "torchvision's layout");
                assertEquals(DetectorConfig.Variant.C4, DetectorWeights.variant(tv));
                Set<String> names = StateDicts.namedParameters(c4(m, arch)).keySet();
                assertEquals(names, DetectorWeights.modernNames(tv).keys(), arch);
                assertTrue(names.contains("backbone.body.layer4.0.conv1.weight"));
            }
        }
    }

    @Test
    void bodyWeightsLoadFromATorchvisionC4Checkpoint() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Path file = ModelFixtures.path("c4/resnext_tiny/fasterrcnn.pth");
            FasterRcnn model = c4(m, "resnext_tiny");
            DetectorWeights.loadBackbone(model, file);
            TensorData res5 = StateDict.read(file).get("roi_heads.box_head.0.0.conv2.weight");
            float[] loaded = StateDicts.namedParameters(model.backbone().body())
                    .get("layer4.0.conv2.weight")
                    .getArray()
                    .toFloatArray();
            assertEquals(0f, maxAbsDiff(res5.toFloatArray(), loaded));
        }
    }

    @Test
    void aC4CheckpointForAnFpnConfigNamesTheFileAndAParameter() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn fpn = FasterRcnnFactory.create(ModelFixtures.config());
            fpn.initialize(m, DataType.FLOAT32);
            Path file = ModelFixtures.path("c4/resnext_tiny/fasterrcnn.pth");
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> DetectorWeights.loadTorchvision(fpn, file, true));
            assertTrue(
                    e.getMessage().startsWith(file.toString())
                            && e.getMessage().contains("'roi_heads.box_head.0.0.conv1.weight'")
                            && e.getMessage().contains("C4")
                            && e.getMessage().contains("variant \"fpn\"")
                            && !e.getMessage().contains("\n"),
                    e.getMessage());
        }
    }

    @Test
    void anFpnCheckpointForAC4ConfigNamesTheFileAndAParameter() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn model = c4(m, "resnext_tiny");
            Path file = ModelFixtures.path("fasterrcnn.pth");
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> DetectorWeights.loadTorchvision(model, file, false));
            assertTrue(
                    e.getMessage().startsWith(file.toString())
                            && e.getMessage().contains("'backbone.fpn.")
                            && e.getMessage().contains("variant \"c4\"")
                            && !e.getMessage().contains("\n"),
                    e.getMessage());
        }
    }

    @Test
    void aC4CheckpointOfAnotherBackboneNamesTheParameterAndShapes() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn model = c4(m, "resnext_tiny");
            Path file = ModelFixtures.path("c4/resnet_tiny/fasterrcnn.pth");
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> DetectorWeights.loadTorchvision(model, file, true));
            assertTrue(
                    e.getMessage().startsWith(file.toString())
                            && e.getMessage().contains("shape mismatch")
                            && e.getMessage().contains("'backbone.body.layer1.0.conv1.weight'")
                            && !e.getMessage().contains("\n"),
                    e.getMessage());
        }
    }

    @Test
    void res5SavedBothInTheBodyAndInTheBoxHeadIsRefused() throws Exception {
        StateDict sd = StateDict.read(ModelFixtures.path("c4/resnet_tiny/fasterrcnn.pth"));
        sd.put("backbone.body.layer4.0.conv1.weight", sd.get("roi_heads.box_head.0.0.conv1.weight"));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> DetectorWeights.modernNames(sd));
        assertTrue(
                e.getMessage().contains("fasterrcnn.pth")
                        && e.getMessage().contains("'roi_heads.box_head.0.0.conv1.weight'")
                        && e.getMessage().contains("'backbone.body.layer4.0.conv1.weight'"),
                e.getMessage());
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
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
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> DetectorWeights.loadTorchvision(model, ModelFixtures.path("fasterrcnn.pth"), true));
            assertTrue(
                    e.getMessage().contains("fasterrcnn.pth")
                            && e.getMessage().contains("roi_heads.box_predictor.cls_score.weight")
                            && e.getMessage().contains("(6, 64)")
                            && e.getMessage().contains("(4, 64)"),
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
                Map<String, Parameter> a =
                        StateDicts.namedParameters(source.backbone().body());
                Map<String, Parameter> b =
                        StateDicts.namedParameters(target.backbone().body());
                for (String name : a.keySet()) {
                    assertEquals(
                            0f,
                            a.get(name)
                                    .getArray()
                                    .sub(b.get(name).getArray())
                                    .abs()
                                    .max()
                                    .getFloat(),
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
            b.loadParameters(m, new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())));
            Map<String, Parameter> pa = StateDicts.namedParameters(a);
            Map<String, Parameter> pb = StateDicts.namedParameters(b);
            for (String name : pa.keySet()) {
                assertEquals(
                        0f,
                        pa.get(name)
                                .getArray()
                                .sub(pb.get(name).getArray())
                                .abs()
                                .max()
                                .getFloat(),
                        name);
            }
        }
    }
}
