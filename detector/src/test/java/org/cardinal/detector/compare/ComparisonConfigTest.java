package org.cardinal.detector.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cardinal.core.config.ConfigException;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.train.SolverConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonConfigTest {

    @TempDir
    Path dir;

    private Path config(String body) throws IOException {
        TinyComparison.write(dir, "fpn", "");
        Path f = dir.resolve("cmp.json");
        Files.writeString(f, body);
        return f;
    }

    private ConfigException fails(String body) throws IOException {
        Path f = config(body);
        return assertThrows(ConfigException.class, () -> ComparisonConfig.load(f));
    }

    private static String backbones() {
        return "\"backbones\": [" + TinyComparison.RESNET + ", " + TinyComparison.RESNEXT + "]";
    }

    @Test
    void defaultsComeFromTheFileAndTheBase() throws IOException {
        ComparisonConfig c = ComparisonConfig.load(config("{\"base\": \"base.json\", " + backbones() + "}"));
        assertEquals("cmp", c.name());
        assertEquals("Backbone comparison: cmp", c.title());
        assertEquals(3, c.seeds());
        assertEquals(64, c.macsInputSize(), "the base model's min_size");
        assertEquals(dir.resolve("base.json").normalize(), Path.of(c.base()), "found next to the comparison file");
        assertArrayEquals(new long[] {7, 8, 9}, c.seedValues(), "the base seed, then + 1 per seed");
        // the resolved form reads back to the same config
        ComparisonConfig again = ComparisonConfig.fromJson(
                c.toJson(), ConfigPath.root(dir.resolve("cmp.json").toString()));
        assertEquals(c.toJson(), again.toJson());
    }

    @Test
    void bareNameOfTheBaseIsLookedUpInConfigsDetectorsOfTheSearchRoots() throws IOException {
        Path project = dir.resolve("project");
        Files.createDirectories(project.resolve("configs/detectors"));
        TinyComparison.write(dir, "fpn", "");
        Files.copy(dir.resolve("base.json"), project.resolve("configs/detectors/tiny_base.json"));
        Path f = dir.resolve("elsewhere/cmp.json");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "{\"base\": \"tiny_base\", " + backbones() + "}");
        String notFound = assertThrows(ConfigException.class, () -> ComparisonConfig.load(f))
                .getMessage();
        assertTrue(
                notFound.contains("field 'base'") && notFound.contains("configs/detectors/tiny_base.json"), notFound);
        assertEquals(
                project.resolve("configs/detectors/tiny_base.json"),
                Path.of(ComparisonConfig.load(f, project).base()));
    }

    @Test
    void unknownFieldIsRefusedInTheWordsOfEveryConfigType() throws IOException {
        ConfigException e = fails("{\"base\": \"base.json\", \"seedz\": 5, " + backbones() + "}");
        assertEquals(
                dir.resolve("cmp.json") + ": unknown field 'seedz' (known fields: backbones, base, "
                        + "macs_input_size, name, overrides, pretrain, seeds, title)",
                e.getMessage());
        // the same words as a run config's
        ConfigException run = assertThrows(
                ConfigException.class,
                () -> RunConfig.fromJson(
                        JsonFiles.parseObject("{\"seedz\": 5}", "run.json"), ConfigPath.root("run.json")));
        assertTrue(run.getMessage().startsWith("run.json: unknown field 'seedz' (known fields: "), run.getMessage());
    }

    @Test
    void wrongTypeIsNamedWithWhatWasExpected() throws IOException {
        assertEquals(
                dir.resolve("cmp.json") + ": field 'seeds': expected an integer, found \"three\"",
                fails("{\"base\": \"base.json\", \"seeds\": \"three\", " + backbones() + "}")
                        .getMessage());
        assertEquals(
                dir.resolve("cmp.json") + ": field 'overrides': expected an object, found 400",
                fails("{\"base\": \"base.json\", \"overrides\": 400, " + backbones() + "}")
                        .getMessage());
        assertEquals(
                dir.resolve("cmp.json") + ": field 'seeds': expected an integer >= 1 (3 or more to estimate "
                        + "uncertainty), found 0",
                fails("{\"base\": \"base.json\", \"seeds\": 0, " + backbones() + "}")
                        .getMessage());
    }

    @Test
    void backbonesMustBeTwoOrMoreWithDistinctNames() throws IOException {
        String one = fails("{\"base\": \"base.json\", \"backbones\": [\"resnet50\"]}")
                .getMessage();
        assertTrue(one.contains("field 'backbones': expected at least two backbones"), one);
        String twice = fails("{\"base\": \"base.json\", \"backbones\": [\"resnet50\", \"resnet50\"]}")
                .getMessage();
        assertTrue(twice.contains("distinct names") && twice.contains("resnet50"), twice);
        String typo = fails("{\"base\": \"base.json\", \"backbones\": [\"resnet50\", \"resnext5O_32x4d\"]}")
                .getMessage();
        assertTrue(typo.contains("field 'backbones[1]'") && typo.contains("resnext5O_32x4d"), typo);
    }

    /**
     * A name made only of dots is the folder itself or its parent: a comparison named ".." would
     * put its runs in runs/compare/.., a backbone named ".." its seeds beside the comparison's
     * folder, where --retrain deletes them.
     */
    @Test
    void namesMadeOnlyOfDotsAreRefusedAsFolderNames() throws IOException {
        for (String dots : List.of(".", "..", "...")) {
            String comparison = fails("{\"name\": \"" + dots + "\", \"base\": \"base.json\", " + backbones() + "}")
                    .getMessage();
            assertEquals(
                    dir.resolve("cmp.json") + ": field 'name': expected a name of letters, digits, '.', '_' or '-',"
                            + " not only dots (it names a folder), found \"" + dots + "\"",
                    comparison);
            String backbone = fails("{\"base\": \"base.json\", \"backbones\": [" + TinyComparison.RESNET + ", "
                            + TinyComparison.RESNEXT.replace("tiny_resnext", dots) + "]}")
                    .getMessage();
            assertTrue(
                    backbone.contains("field 'backbones': expected backbone names of letters")
                            && backbone.contains("not only dots")
                            && backbone.endsWith("found \"" + dots + "\""),
                    backbone);
        }
        // dots among other characters are an ordinary name
        assertEquals(
                "v1..2",
                ComparisonConfig.load(config("{\"name\": \"v1..2\", \"base\": \"base.json\", " + backbones() + "}"))
                        .name());
    }

    @Test
    void missingBaseAndATypoInTheOverridesAreNamed() throws IOException {
        String missing = fails("{" + backbones() + "}").getMessage();
        assertTrue(missing.contains("missing field 'base'"), missing);
        String notFound =
                fails("{\"base\": \"nowhere.json\", " + backbones() + "}").getMessage();
        assertTrue(
                notFound.contains("field 'base'") && notFound.contains("nowhere.json") && notFound.contains("tried"),
                notFound);
        String typo = fails("{\"base\": \"base.json\", \"overrides\": {\"solver\": {\"max_iters\": 4}}, " + backbones()
                        + "}")
                .getMessage();
        assertTrue(typo.startsWith(dir.resolve("cmp.json") + ": unknown field 'overrides.solver.max_iters'"), typo);
    }

    @Test
    void overridesMergeIntoTheBaseAndMaxIterKeepsTheScheduleShape() throws IOException {
        // base: max_iter 8, steps [6], warmup 2, checkpoint 8
        SolverConfig longer = ComparisonConfig.load(config("{\"base\": \"base.json\", \"overrides\": {\"solver\": "
                        + "{\"max_iter\": 400, \"base_lr\": 0.005}}, " + backbones() + "}"))
                .baseRun()
                .solver();
        assertEquals(400, longer.maxIter());
        assertArrayEquals(new int[] {300}, longer.steps());
        assertEquals(100, longer.warmupIters());
        assertEquals(400, longer.checkpointPeriod());
        assertEquals(0.005, longer.baseLr());
        assertEquals(2, longer.imsPerBatch(), "the rest of the base is kept");
        SolverConfig given = ComparisonConfig.load(config("{\"base\": \"base.json\", \"overrides\": {\"solver\": "
                        + "{\"max_iter\": 400, \"steps\": [350]}}, " + backbones() + "}"))
                .baseRun()
                .solver();
        assertArrayEquals(new int[] {350}, given.steps(), "what the overrides set is not scaled");
        assertEquals(100, given.warmupIters());

        ComparisonConfig c = ComparisonConfig.load(config("{\"base\": \"base.json\", " + backbones() + "}"));
        JsonObject cli = JsonFiles.parseObject("{\"solver\": {\"seed\": 100, \"max_iter\": 2}}", "command line");
        RunConfig run = c.withOverrides(cli).withSeeds(2).baseRun();
        assertEquals(100, run.solver().seed());
        assertEquals(2, run.solver().maxIter());
        assertArrayEquals(
                new long[] {100, 101}, c.withOverrides(cli).withSeeds(2).seedValues());
        assertEquals(8, c.baseRun().solver().maxIter(), "withOverrides returns a copy");
    }

    @Test
    void shippedComparisonsLoadAndCompareBackbonesOfSimilarComplexity() throws IOException {
        // tests run in the module folder; the project's configs are one level up
        List<Path> files;
        try (var s = Files.list(Path.of("..", "configs", "compare"))) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertTrue(files.size() >= 4, files.toString());
        for (Path f : files) {
            if (namesAPluginBackbone(f)) {
                continue; // loaded by the plugin's own tests (a plugin is not on this class path)
            }
            ComparisonConfig c = ComparisonConfig.load(f, Path.of(".."));
            assertEquals(f.getFileName().toString().replace(".json", ""), c.name());
            ComplexityCheck cx = ComplexityCheck.of(c.backbones(), c.macsInputSize());
            assertTrue(cx.similar(), f + ": " + cx.warnings());
            if (c.name().startsWith("demo_")) {
                assertTrue(c.seeds() >= 3, f + ": the demos measure run-to-run variation");
                assertEquals(c.baseRun().model().minSize(), c.macsInputSize());
            }
        }
        assertEquals(
                DetectorConfig.Variant.C4,
                ComparisonConfig.load(
                                Path.of("..", "configs", "compare", "demo_resnet_vs_resnext_c4.json"), Path.of(".."))
                        .baseRun()
                        .model()
                        .variant());
    }

    /** @return whether the comparison names a plugin's shipped backbone, a file in configs/backbones/<type>/ */
    private static boolean namesAPluginBackbone(Path comparison) throws IOException {
        for (JsonElement b : JsonFiles.readObject(comparison).getAsJsonArray("backbones")) {
            if (b.isJsonPrimitive()) {
                try (var dirs = Files.list(Path.of("..", "configs", "backbones"))) {
                    if (dirs.anyMatch(d -> Files.isRegularFile(d.resolve(b.getAsString() + ".json")))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Test
    void pretrainingRecipeIsReadAndGetsEachBackboneAndSeed() throws IOException {
        Files.writeString(
                dir.resolve("recipe.json"),
                "{\"epochs\": 2, \"ims_per_batch\": 4, \"base_lr\": 0.1, "
                        + "\"image_size\": 16, \"resize_size\": 18, \"seed\": 3}");
        ComparisonConfig c = ComparisonConfig.load(config(
                "{\"base\": \"base.json\", \"pretrain\": {\"recipe\": " + "\"recipe.json\"}, " + backbones() + "}"));
        assertTrue(c.pretrain().perSeed());
        assertEquals(2, c.pretrain().recipe().epochs());
        var recipe = c.pretrain().recipeFor(c.backbones().get(1), 8);
        assertEquals("tiny_resnext", recipe.backbone().name());
        assertEquals(8, recipe.seed());
        String bad = fails(
                        "{\"base\": \"base.json\", \"pretrain\": {\"recipe\": {\"epochs\": 0}}, " + backbones() + "}")
                .getMessage();
        assertTrue(bad.contains("field 'pretrain.recipe.epochs'"), bad);
    }
}
