package org.cardinal.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

class ConfigBinderTest {

    /** A config with a renamed field, as a pretraining recipe's {@code batch_size}. */
    record Renamed(@Alias({"batch_size", "batch"}) int imsPerBatch, int epochs) {
        Renamed {
            InvalidFieldException.require(imsPerBatch >= 2, "ims_per_batch", "an integer >= 2", imsPerBatch);
        }
    }

    private static Renamed renamed(String json) {
        JsonObject d = new JsonObject();
        d.addProperty("epochs", 1);
        return ConfigBinder.bind(JsonFiles.parseObject(json, "r.json"), Renamed.class, d, ConfigPath.root("r.json"));
    }

    @Test
    void aliasIsReadAsTheCurrentNameAndWrittenUnderItOnly() {
        assertEquals(new Renamed(8, 1), renamed("{\"batch_size\": 8}"));
        assertEquals(new Renamed(8, 1), renamed("{\"batch\": 8}"));
        assertEquals(new Renamed(8, 1), renamed("{\"ims_per_batch\": 8}"));
        assertEquals(
                JsonFiles.parseObject("{\"ims_per_batch\": 8, \"epochs\": 1}", "expected"),
                ConfigBinder.toJson(renamed("{\"batch_size\": 8}")));
    }

    @Test
    void aliasAndCurrentNameTogetherAreRefusedNamingTheOneToKeep() {
        ConfigException both =
                assertThrows(ConfigException.class, () -> renamed("{\"ims_per_batch\": 8, \"batch_size\": 8}"));
        assertEquals(
                "r.json: field 'batch_size' is the earlier name of 'ims_per_batch', which is also given: "
                        + "keep 'ims_per_batch' only",
                both.getMessage());
        ConfigException twoAliases =
                assertThrows(ConfigException.class, () -> renamed("{\"batch_size\": 8, \"batch\": 8}"));
        assertTrue(twoAliases.getMessage().contains("keep 'ims_per_batch' only"), twoAliases.getMessage());
    }

    @Test
    void aValueGivenUnderAnAliasIsReportedUnderIt() {
        ConfigException type = assertThrows(ConfigException.class, () -> renamed("{\"batch_size\": \"8\"}"));
        assertEquals("r.json: field 'batch_size': expected an integer, found \"8\"", type.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> renamed("{\"batchsize\": 8}"));
        assertTrue(unknown.getMessage().startsWith("r.json: unknown field 'batchsize'"), unknown.getMessage());
    }

    /** A config with a free-form object field, as a comparison's overrides. */
    record WithObject(String name, JsonObject extra) {}

    private static JsonObject defaults() {
        JsonObject d = new JsonObject();
        d.add("extra", JsonNull.INSTANCE);
        return d;
    }

    @Test
    void objectFieldIsKeptAsGivenAndWrittenBack() {
        JsonObject json = JsonFiles.parseObject(
                "{\"name\": \"a\", \"extra\": {\"solver\": {\"max_iter\": 10}, \"list\": [1, 2]}}", "t.json");
        WithObject r = ConfigBinder.bind(json, WithObject.class, defaults(), ConfigPath.root("t.json"));
        assertEquals(10, r.extra().getAsJsonObject("solver").get("max_iter").getAsInt());
        assertEquals(json, ConfigBinder.toJson(r));
        // the record holds its own copy: changing the input afterwards changes nothing
        json.getAsJsonObject("extra").addProperty("late", 1);
        assertEquals(2, r.extra().size());
    }

    @Test
    void objectFieldMayBeLeftOutWhenItsDefaultIsNull() {
        WithObject r = ConfigBinder.bind(
                JsonFiles.parseObject("{\"name\": \"a\"}", "t.json"),
                WithObject.class,
                defaults(),
                ConfigPath.root("t.json"));
        assertNull(r.extra());
    }

    @Test
    void objectFieldOfAnotherTypeIsRefusedInTheUsualWords() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> ConfigBinder.bind(
                        JsonFiles.parseObject("{\"name\": \"a\", \"extra\": [1]}", "t.json"),
                        WithObject.class,
                        defaults(),
                        ConfigPath.root("t.json")));
        assertEquals("t.json: field 'extra': expected an object, found [1]", e.getMessage());
    }
}
