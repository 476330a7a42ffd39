package org.cardinal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.cardinal.backbone.BackboneConfig;
import org.cardinal.backbone.pretrain.PretrainConfig;
import org.cardinal.core.config.ConfigException;
import org.cardinal.detector.DetectorConfig;
import org.cardinal.detector.compare.ComparisonConfig;
import org.cardinal.detector.train.RunConfig;
import org.cardinal.detector.zoo.DetectorArtifact;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every config file type goes through the one binder, and says what is wrong in the same words:
 * an unknown field, a value of the wrong type and non-strict JSON, each named with the file and
 * the field's full path.
 */
class ConfigFilesTest {

    /** Reads one file type. */
    @FunctionalInterface
    interface Reader {
        void read(Path file) throws IOException;
    }

    /** A valid file of each type, the field to misspell and the integer field to give a string. */
    private record Type(String valid, String unknownAt, String intField, Reader reader) {}

    private static Map<String, Type> types(Path dir) throws IOException {
        Map<String, Type> t = new LinkedHashMap<>();
        t.put(
                "backbone",
                new Type(
                        "{\"block\": \"bottleneck\", \"layers\": [1, 1, 1, 1]}",
                        "",
                        "cardinality",
                        BackboneConfig::load));
        t.put("model", new Type("{\"backbone\": \"resnet50\"}", "", "min_size", DetectorConfig::load));
        t.put(
                "run (model)",
                new Type("{\"model\": {\"backbone\": \"resnet50\"}}", "model.", "model.min_size", RunConfig::load));
        t.put("run (solver)", new Type("{\"solver\": {}}", "solver.", "solver.max_iter", RunConfig::load));
        t.put("run (data)", new Type("{\"data\": {}}", "data.", "data.num_workers", RunConfig::load));
        t.put("pretrain", new Type("{\"backbone\": \"resnet18\"}", "", "epochs", PretrainConfig::load));
        t.put(
                "pretrain (generated)",
                new Type(
                        "{\"backbone\": \"resnet18\", \"generated\": {}}",
                        "generated.",
                        "generated.classes",
                        PretrainConfig::load));
        t.put(
                "compare",
                new Type(
                        "{\"base\": \"" + dir.resolve("base.json") + "\", \"backbones\": [\"resnet18\","
                                + " \"resnet34\"]}",
                        "",
                        "seeds",
                        f -> ComparisonConfig.load(f, dir)));
        t.put(
                "artifact",
                new Type(
                        "{\"format\": \"cardinal-detector\", \"category_ids\": [1]}",
                        "",
                        "version",
                        f -> DetectorArtifact.read(f.getParent())));
        return t;
    }

    @Test
    void everyConfigTypeWordsAnUnknownFieldAWrongTypeAndBadJsonAlike(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("base.json"), "{\"model\": {\"backbone\": \"resnet18\"}}");
        for (Map.Entry<String, Type> e : types(dir).entrySet()) {
            Type t = e.getValue();
            Path folder = Files.createDirectories(dir.resolve(e.getKey().replaceAll("\\W", "_")));
            Path file = folder.resolve(e.getKey().equals("artifact") ? DetectorArtifact.METADATA : "config.json");
            if (e.getKey().equals("artifact")) {
                Files.writeString(folder.resolve(DetectorArtifact.CONFIG), "{\"num_classes\": 2}");
                Files.writeString(folder.resolve(DetectorArtifact.SYNSET), "thing\n");
                Files.writeString(folder.resolve(DetectorArtifact.WEIGHTS), "");
            }
            Files.writeString(file, t.valid());
            t.reader().read(file); // the valid form reads

            Files.writeString(file, withField(t.valid(), t.unknownAt(), "colour", "\"red\""));
            String unknown = message(t.reader(), file);
            assertTrue(
                    unknown.startsWith(file + ": unknown field '" + t.unknownAt() + "colour' (known fields: "),
                    e.getKey() + ": " + unknown);

            Files.writeString(
                    file,
                    withField(
                            t.valid(),
                            t.intField().contains(".")
                                    ? t.intField().substring(0, t.intField().lastIndexOf('.') + 1)
                                    : "",
                            t.intField().substring(t.intField().lastIndexOf('.') + 1),
                            "\"ten\""));
            assertEquals(
                    file + ": field '" + t.intField() + "': expected an integer, found \"ten\"",
                    message(t.reader(), file),
                    e.getKey());

            Files.writeString(file, "// a comment\n" + t.valid());
            assertTrue(message(t.reader(), file).startsWith(file + ": malformed JSON"), e.getKey());
            Files.writeString(file, t.valid().replaceFirst("\\{", "{\"x\": 1, \"x\": 2, "));
            assertTrue(message(t.reader(), file).contains("field 'x' appears twice"), e.getKey());
        }
    }

    /** Adds {@code "name": value} to the object at {@code path} ("" top, "solver." nested) of a JSON text. */
    private static String withField(String json, String path, String name, String value) {
        if (path.isEmpty()) {
            return json.replaceFirst("\\{", "{\"" + name + "\": " + value + ", ");
        }
        String key = "\"" + path.substring(0, path.length() - 1) + "\": {";
        int at = json.indexOf(key) + key.length();
        String rest = json.substring(at);
        return json.substring(0, at) + "\"" + name + "\": " + value + (rest.startsWith("}") ? "" : ", ") + rest;
    }

    private static String message(Reader reader, Path file) {
        ConfigException e = assertThrows(ConfigException.class, () -> reader.read(file), file.toString());
        return e.getMessage();
    }
}
