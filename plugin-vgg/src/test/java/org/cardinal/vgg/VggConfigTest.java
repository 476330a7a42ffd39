package org.cardinal.vgg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonParser;
import java.util.List;
import org.cardinal.backbone.Complexity;
import org.cardinal.backbone.Norm;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.backbone.spi.Backbones;
import org.cardinal.backbone.spi.BuildOptions;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.backbone.spi.FeatureShape;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.core.config.ConfigException;
import org.cardinal.core.config.ConfigPath;
import org.junit.jupiter.api.Test;

/** The plugin's backbone against its own promises: the shapes and counts it states are the network's. */
class VggConfigTest {

    @Test
    void foundThroughTheSpiByTypeAndByName() {
        assertTrue(Backbones.types().contains("vgg"), Backbones.types().toString());
        assertTrue(Backbones.types().contains("resnet"), "Cardinal's own type is registered the same way");
        BackboneSpec mini = Backbones.named("vgg_mini");
        assertEquals("vgg", mini.type());
        BackboneSpec typed = Backbones.fromJson(
                JsonParser.parseString("{\"type\": \"vgg\", \"name\": \"vgg_mini\", \"widths\": [16, 32, 64, 128]}"),
                ConfigPath.root("t.json"));
        assertEquals(mini, typed);
        assertEquals(mini, Backbones.fromJson(mini.toJson(), ConfigPath.root("round trip")));
    }

    @Test
    void badSectionsNameTheField() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> Backbones.fromJson(
                        JsonParser.parseString("{\"type\": \"vgg\", \"widths\": [16, 32]}"),
                        ConfigPath.root("m.json").field("backbone")));
        assertTrue(e.getMessage().contains("m.json") && e.getMessage().contains("widths"), e.getMessage());
        ConfigException unknown = assertThrows(
                ConfigException.class,
                () -> Backbones.fromJson(
                        JsonParser.parseString("{\"type\": \"vgg\", \"widths\": [1, 2, 3, 4], \"depth\": 3}"),
                        ConfigPath.root("m.json").field("backbone")));
        assertTrue(unknown.getMessage().contains("depth"), unknown.getMessage());
    }

    /** The stated complexity is counted from the config; the built network's tensors must agree. */
    @Test
    void statedShapesAndParameterCountAreTheBuiltNetworks() {
        VggConfig cfg = new VggConfig("v", new int[] {8, 16, 24, 32}, new int[] {1, 2, 1, 2}, 5);
        try (NDManager manager = NDManager.newBaseManager()) {
            FeatureExtractor net = cfg.build(BuildOptions.classifier(Norm.BATCH));
            Shape input = new Shape(2, 3, 70, 90);
            net.initialize(manager, DataType.FLOAT32, input);
            long counted = 0;
            for (var e : StateDicts.namedParameters(net).entrySet()) {
                Parameter p = e.getValue();
                if (p.requiresGradient()) {
                    counted += p.getArray().size();
                }
            }
            Complexity c = cfg.complexity(70, 90, true);
            assertEquals(counted, c.params());

            NDList out = net.forward(new ParameterStore(manager, false), new NDList(manager.ones(input)), false);
            List<FeatureShape> shapes = cfg.featureShapes();
            assertEquals(shapes.size() + 1, out.size(), "the maps, then the logits");
            for (int i = 0; i < shapes.size(); i++) {
                Shape s = out.get(i).getShape();
                assertEquals(shapes.get(i).name(), out.get(i).getName());
                assertEquals(shapes.get(i).channels(), s.get(1));
                // stride 2^(i+2): 70 -> 35 (stem) -> 17, 8, 4, 2; 90 -> 45 -> 22, 11, 5, 2
                assertEquals(c.stages().get(i + 1).outHeight(), s.get(2));
                assertEquals(c.stages().get(i + 1).outWidth(), s.get(3));
            }
            assertEquals(new Shape(2, 5), out.get(4).getShape());
            // every stage view gives forward's map
            NDList x = new NDList(manager.ones(input));
            for (int i = 0; i < 4; i++) {
                // a view: initialized with its network, so training never initializes it (StageView)
                assertTrue(net.stage(i).isInitialized(), "stage " + i);
                x = net.stage(i).forward(new ParameterStore(manager, false), x, false);
                assertEquals(out.get(i).getShape(), x.singletonOrThrow().getShape());
            }
        }
    }
}
