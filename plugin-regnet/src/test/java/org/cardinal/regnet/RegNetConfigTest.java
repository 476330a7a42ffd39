package org.cardinal.regnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
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
import org.cardinal.detector.compare.ComparisonConfig;
import org.cardinal.detector.compare.ComplexityCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The RegNet configs against torchvision: every torchvision size's stages, parameter count and
 * multiply-adds (torchvision_sizes.json, written by make_fixtures.py from torchvision 0.29 itself),
 * and the built network against what its spec states.
 */
class RegNetConfigTest {

    @Test
    void foundThroughTheSpiByTypeAndByName() {
        assertTrue(Backbones.types().contains("regnet"), Backbones.types().toString());
        BackboneSpec x = Backbones.named("regnet_x_400mf");
        assertEquals("regnet", x.type());
        assertEquals(x, Backbones.fromJson(x.toJson(), ConfigPath.root("round trip")));
        BackboneSpec typed = Backbones.fromJson(
                JsonParser.parseString("{\"type\": \"regnet\", \"name\": \"regnet_y_400mf\", \"depth\": 16, "
                        + "\"w0\": 48, \"wa\": 27.89, \"wm\": 2.09, \"group_width\": 8, \"se_ratio\": 0.25}"),
                ConfigPath.root("t.json"));
        assertEquals(Backbones.named("regnet_y_400mf"), typed);
    }

    /** Each file of configs/backbones/regnet/ is the shipped configuration of its name, and read by path too. */
    @Test
    void everyShippedFileIsItsNamedConfiguration() throws IOException {
        List<String> files;
        try (var s = Files.list(Path.of("..", "configs", "backbones", "regnet"))) {
            files = s.map(p -> p.getFileName().toString().replaceFirst("\\.json$", ""))
                    .sorted()
                    .toList();
        }
        assertEquals(new TreeSet<>(RegNetProvider.NAMES), new TreeSet<>(files));
        for (String name : files) {
            BackboneSpec loaded = Backbones.load(Path.of("..", "configs", "backbones", "regnet", name + ".json"));
            assertEquals(Backbones.named(name), loaded, name);
            assertEquals(name, loaded.name());
        }
    }

    /** Every torchvision RegNet is shipped, with torchvision's stages, parameters and MACs at 224x224. */
    @Test
    void everyTorchvisionSizeHasTorchvisionsStagesParametersAndMacs() throws IOException {
        JsonObject sizes = JsonParser.parseString(Files.readString(Fixtures.path("torchvision_sizes.json")))
                .getAsJsonObject();
        assertEquals(15, sizes.size(), "torchvision 0.29 has 7 RegNetX and 8 RegNetY");
        List<String> shipped = new ArrayList<>(RegNetProvider.NAMES);
        shipped.removeIf(n -> !n.matches("regnet_[xy]_\\d.*")); // the small ones are not torchvision's
        assertEquals(new TreeSet<>(sizes.keySet()), new TreeSet<>(shipped));
        for (Map.Entry<String, com.google.gson.JsonElement> e : sizes.entrySet()) {
            String name = e.getKey();
            JsonObject tv = e.getValue().getAsJsonObject();
            RegNetConfig cfg = (RegNetConfig) Backbones.named(name);
            List<DesignSpace.Stage> stages = cfg.stages();
            for (int i = 0; i < 4; i++) {
                DesignSpace.Stage s = stages.get(i);
                assertEquals(ints(tv, "depths")[i], s.depth(), name + " stage " + i + " depth");
                assertEquals(ints(tv, "widths")[i], s.width(), name + " stage " + i + " width");
                assertEquals(ints(tv, "groups")[i], s.groups(cfg.bottleneckRatio()), name + " stage " + i + " groups");
            }
            Complexity c = cfg.complexity(224, 224, true);
            assertEquals(tv.get("params").getAsLong(), c.params(), name + " parameters");
            assertEquals(tv.get("macs").getAsLong(), c.macs(), name + " multiply-adds at 224x224");
        }
    }

    private static int[] ints(JsonObject o, String field) {
        JsonArray a = o.getAsJsonArray(field);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    /**
     * The three-way comparisons of configs/compare/ read with this plugin on the class path (the
     * detector module's tests leave them out): the demo's backbones pass the complexity check; the
     * full-size one's RegNetX-3.2GF, torchvision's closest to 4 GFLOPs, is flagged as cheaper.
     */
    @Test
    void threeWayComparisonsLoadAndTheDemosBackbonesCostTheSame() {
        Path compare = Path.of("..", "configs", "compare");
        ComparisonConfig demo =
                ComparisonConfig.load(compare.resolve("demo_resnet_vs_resnext_vs_regnet.json"), Path.of(".."));
        assertEquals(
                List.of("resnet", "resnet", "regnet"),
                demo.backbones().stream().map(BackboneSpec::type).toList());
        assertTrue(demo.seeds() >= 3);
        ComplexityCheck cx = ComplexityCheck.of(demo.backbones(), demo.macsInputSize());
        assertTrue(cx.similar(), cx.warnings().toString());
        ComparisonConfig full =
                ComparisonConfig.load(compare.resolve("coco_R50_vs_X50_vs_RegNetX_3_2GF_FPN_1x.json"), Path.of(".."));
        assertEquals(
                List.of("resnet50", "resnext50_32x4d", "regnet_x_3_2gf"),
                full.backbones().stream().map(BackboneSpec::name).toList());
        ComplexityCheck fx = ComplexityCheck.of(full.backbones(), full.macsInputSize());
        assertTrue(
                !fx.similar() && fx.warnings().toString().contains("regnet_x_3_2gf"),
                fx.warnings().toString());
    }

    @Test
    void badSectionsNameTheField() {
        ConfigPath at = ConfigPath.root("m.json").field("backbone");
        String base = "{\"type\": \"regnet\", \"depth\": 22, \"wa\": 24.48, \"wm\": 2.54, \"group_width\": 16, ";
        ConfigException w0 = assertThrows(
                ConfigException.class, () -> Backbones.fromJson(JsonParser.parseString(base + "\"w0\": 20}"), at));
        assertTrue(w0.getMessage().contains("m.json") && w0.getMessage().contains("w0"), w0.getMessage());
        ConfigException unknown = assertThrows(
                ConfigException.class,
                () -> Backbones.fromJson(JsonParser.parseString(base + "\"w0\": 24, \"layers\": 3}"), at));
        assertTrue(unknown.getMessage().contains("layers"), unknown.getMessage());
        ConfigException ratio = assertThrows(
                ConfigException.class,
                () -> Backbones.fromJson(JsonParser.parseString(base + "\"w0\": 24, \"bottleneck_ratio\": 0.01}"), at));
        assertTrue(ratio.getMessage().contains("bottleneck_ratio"), ratio.getMessage());
        // depth 4, w0 16, wa 16, wm 2: block widths 16, 32, 48 -> 48, 64 -> 64: three stages
        ConfigException three = assertThrows(
                ConfigException.class,
                () -> Backbones.fromJson(
                        JsonParser.parseString("{\"type\": \"regnet\", \"depth\": 4, \"w0\": 16, \"wa\": 16, "
                                + "\"wm\": 2, \"group_width\": 8}"),
                        at));
        assertTrue(three.getMessage().contains("depth") && three.getMessage().contains("4 stages"), three.getMessage());
    }

    /** The stated complexity and shapes are counted from the config; the built network's tensors and outputs must agree. */
    @ParameterizedTest
    @ValueSource(strings = {"regnet_x_mini", "regnet_y_mini"})
    void statedShapesAndParameterCountAreTheBuiltNetworks(String arch) {
        RegNetConfig cfg = (RegNetConfig) Backbones.named(arch);
        try (NDManager manager = NDManager.newBaseManager()) {
            FeatureExtractor net = cfg.build(BuildOptions.classifier(Norm.BATCH));
            Shape input = new Shape(2, 3, 70, 90);
            net.initialize(manager, DataType.FLOAT32, input);
            long counted = 0;
            for (Parameter p : StateDicts.namedParameters(net).values()) {
                if (p.requiresGradient()) {
                    counted += p.getArray().size();
                }
            }
            Complexity c = cfg.complexity(70, 90, true);
            assertEquals(counted, c.params());

            NDList out = net.forward(new ParameterStore(manager, false), new NDList(manager.ones(input)), false);
            List<FeatureShape> shapes = cfg.featureShapes();
            assertEquals(
                    List.of(4, 8, 16, 32),
                    shapes.stream().map(FeatureShape::stride).toList());
            assertEquals(shapes.size() + 1, out.size(), "the maps, then the logits");
            for (int i = 0; i < shapes.size(); i++) {
                Shape s = out.get(i).getShape();
                assertEquals(shapes.get(i).name(), out.get(i).getName());
                assertEquals(shapes.get(i).channels(), s.get(1));
                // 70 -> 35 (stem) -> 18, 9, 5, 3; 90 -> 45 -> 23, 12, 6, 3
                assertEquals(c.stages().get(i + 1).outHeight(), s.get(2));
                assertEquals(c.stages().get(i + 1).outWidth(), s.get(3));
            }
            assertEquals(3, out.get(3).getShape().get(2));
            assertEquals(new Shape(2, 10), out.get(4).getShape());
            NDList x = new NDList(manager.ones(input));
            for (int i = 0; i < 4; i++) {
                // a view: initialized with its network, so training never initializes it (StageView)
                assertTrue(net.stage(i).isInitialized(), "stage " + i);
                x = net.stage(i).forward(new ParameterStore(manager, false), x, false);
                assertEquals(out.get(i).getShape(), x.singletonOrThrow().getShape());
            }
        }
    }

    @Test
    void frozenStagesGetNoGradient() {
        RegNetConfig cfg = (RegNetConfig) Backbones.named("regnet_y_mini");
        try (NDManager manager = NDManager.newBaseManager()) {
            FeatureExtractor net = cfg.build(new BuildOptions(Norm.FROZEN, 2, false));
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            for (Map.Entry<String, Parameter> e :
                    StateDicts.namedParameters(net).entrySet()) {
                boolean frozen = e.getKey().startsWith("stem.") || e.getKey().startsWith("trunk_output.block1.");
                if (e.getValue().getType() == Parameter.Type.WEIGHT
                        && !e.getKey().contains(".1.")) {
                    assertEquals(!frozen, e.getValue().requiresGradient(), e.getKey());
                }
            }
        }
    }
}
