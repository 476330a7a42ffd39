package org.cardinal.backbone.spi;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.JsonFiles;

/**
 * The backbone types on the class path ({@link BackboneProvider}s found by {@link ServiceLoader})
 * and the one reader of a config's backbone: every config, tool and model-zoo artifact reads its
 * backbone here, so a provider's type works everywhere.
 *
 * <p>A backbone is given as the name of a shipped configuration ({@code "resnext50_32x4d"}), the
 * path of a JSON file (relative to the config that names it), or an object {@code {"type":
 * "resnet", ...}} whose {@code type} defaults to {@value #DEFAULT_TYPE} (so configs written before
 * types existed keep their meaning).
 */
public final class Backbones {

    /** The type of a backbone object without a {@code type} field. */
    public static final String DEFAULT_TYPE = "resnet";

    private static volatile Map<String, BackboneProvider> providers;

    private Backbones() {}

    /** @return the registered types, sorted */
    public static List<String> types() {
        return List.copyOf(providers().keySet());
    }

    /**
     * @param type a type name
     * @return its provider
     * @throws IllegalArgumentException naming the registered types when none has that name
     */
    public static BackboneProvider provider(String type) {
        BackboneProvider p = providers().get(type);
        if (p == null) {
            throw new IllegalArgumentException("unknown backbone type '" + type + "'; registered: "
                    + String.join(", ", types()) + " (a plugin jar adds one: docs/plugins.md)");
        }
        return p;
    }

    /** @return the names of every shipped configuration of every type, in type order */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        providers().values().forEach(p -> out.addAll(p.names()));
        return out;
    }

    /**
     * @param name a shipped configuration's name, of any type
     * @return its spec
     * @throws IllegalArgumentException naming the known ones when no provider ships it
     */
    public static BackboneSpec named(String name) {
        for (BackboneProvider p : providers().values()) {
            if (p.names().contains(name)) {
                return p.named(name);
            }
        }
        String instead = renamed(name);
        if (instead != null) {
            throw new IllegalArgumentException("unknown backbone architecture '" + name + "': use " + instead);
        }
        throw new IllegalArgumentException(
                "unknown backbone architecture '" + name + "'; known: " + String.join(", ", names()));
    }

    private static String renamed(String name) {
        for (BackboneProvider p : providers().values()) {
            String instead = p.renamed(name);
            if (instead != null) {
                return instead;
            }
        }
        return null;
    }

    /**
     * @param file a backbone JSON file (an object as {@link #fromJson} reads); its name defaults to
     *     the file's
     * @return its spec
     * @throws org.cardinal.core.config.ConfigException naming the file and the field
     */
    public static BackboneSpec load(Path file) {
        String fallback = file.getFileName().toString().replaceFirst("\\.json$", "");
        return fromObject(JsonFiles.readObject(file), fallback, ConfigPath.root(file.toString()));
    }

    /**
     * Reads a backbone as a config field gives it.
     *
     * @param json a name, a file path (relative to the config that names it) or an object
     * @param at where it sits, for error messages
     * @return the spec
     * @throws org.cardinal.core.config.ConfigException naming the file and the field
     */
    public static BackboneSpec fromJson(JsonElement json, ConfigPath at) {
        if (json.isJsonPrimitive() && json.getAsJsonPrimitive().isString()) {
            String spec = json.getAsString();
            if (isFile(spec)) {
                Path file = Path.of(spec);
                Path from = Path.of(at.source()).toAbsolutePath().getParent();
                if (!file.isAbsolute() && from != null && Files.isRegularFile(from.resolve(file))) {
                    file = from.resolve(file);
                }
                return load(file);
            }
            String instead = renamed(spec);
            if (instead != null) {
                throw at.invalid(instead, json);
            }
            try {
                return named(spec);
            } catch (IllegalArgumentException e) {
                throw at.invalid("a backbone name (" + String.join(", ", names()) + ") or object", json);
            }
        }
        if (!json.isJsonObject()) {
            throw at.invalid("a backbone name or object", json);
        }
        return fromObject(json.getAsJsonObject(), "custom", at);
    }

    private static BackboneSpec fromObject(JsonObject o, String defaultName, ConfigPath at) {
        String type = DEFAULT_TYPE;
        JsonObject section = o.deepCopy();
        JsonElement t = section.remove("type");
        if (t != null) {
            if (!t.isJsonPrimitive() || !t.getAsJsonPrimitive().isString()) {
                throw at.field("type").invalid("a backbone type (" + String.join(", ", types()) + ")", t);
            }
            type = t.getAsString();
            if (!providers().containsKey(type)) {
                throw at.field("type")
                        .invalid(
                                "a registered backbone type (" + String.join(", ", types())
                                        + "; a plugin jar on the class path adds one)",
                                t);
            }
        }
        return provider(type).fromJson(section, defaultName, at);
    }

    private static boolean isFile(String spec) {
        return spec.endsWith(".json") || spec.contains("/");
    }

    private static Map<String, BackboneProvider> providers() {
        Map<String, BackboneProvider> p = providers;
        if (p == null) {
            synchronized (Backbones.class) {
                p = providers;
                if (p == null) {
                    p = discover();
                    providers = p;
                }
            }
        }
        return p;
    }

    private static Map<String, BackboneProvider> discover() {
        Map<String, BackboneProvider> found = new TreeMap<>();
        // The context class loader sees plugins loaded after Cardinal (a Spark job's jars); this
        // module's own loader sees at least Cardinal's provider.
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        for (ClassLoader loader : new ClassLoader[] {context, Backbones.class.getClassLoader()}) {
            if (loader == null) {
                continue;
            }
            for (BackboneProvider p : ServiceLoader.load(BackboneProvider.class, loader)) {
                BackboneProvider before = found.putIfAbsent(p.type(), p);
                if (before != null
                        && !before.getClass().getName().equals(p.getClass().getName())) {
                    throw new IllegalStateException("two backbone providers of type '" + p.type() + "': "
                            + before.getClass().getName() + " and "
                            + p.getClass().getName());
                }
            }
        }
        return Collections.unmodifiableMap(found);
    }
}
