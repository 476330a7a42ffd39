package org.cardinal.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

class ConfigBinderTest {

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
