package org.cardinal.tools;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.cardinal.backbone.Complexity;
import org.cardinal.backbone.spi.BackboneSpec;
import org.cardinal.backbone.spi.Backbones;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.cli.ToolOptions;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.core.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tools/model-info}: the complexity of a backbone as in Table 1 of the ResNeXt paper (stage,
 * output size, block shape, parameters, multiply-adds), computed from its config alone, so it runs
 * instantly and needs no weights.
 */
public final class ModelInfo {

    /** The options of {@code tools/model-info}. */
    @Command(
            name = "tools/model-info",
            description = "Prints a backbone's parameters and multiply-adds, stage by stage.",
            footer = {
                "Parameters count trainable tensors; MACs count conv and fc multiply-adds for one image",
                "(torchvision's convention: resnet50 at 224 = 25,557,032 params, 4.09 GMACs)."
            })
    static final class Options extends ToolOptions {
        @Option(
                names = "--arch",
                required = true,
                paramLabel = "NAME|CONFIG.json",
                description = "a shipped architecture (configs/backbones/NAME.json) or a backbone config file"
                        + " ({\"type\": ..., ...}; configs/backbones/*.json format), of any backbone type on the"
                        + " class path (a plugin jar adds one: docs/plugins.md)")
        String arch;

        @Option(
                names = "--size",
                paramLabel = "S|HxW",
                description = "input size in pixels, square or HxW (default 224)")
        String size = "224";

        @Option(names = "--no-top", description = "leave out the classification layer fc (a detection backbone)")
        boolean noTop;

        @Option(
                names = "--json",
                paramLabel = "OUT",
                description = "also write {\"arch\", \"params\", \"macs\", \"stages\": [...]} to OUT (atomically)")
        Path json;
    }

    private ModelInfo() {}

    /**
     * Entry point.
     *
     * @param argv command-line arguments
     */
    public static void main(String[] argv) {
        Cli.run(new Options(), argv, args -> {
            String arch = args.arch;
            long[] size = parseSize(args.size);
            boolean top = !args.noTop;
            Path json = args.json;
            BackboneSpec cfg = resolve(arch);
            Complexity c = cfg.complexity(size[0], size[1], top);
            System.out.print(table(cfg, c));
            if (json != null) {
                AtomicFiles.writeString(json, JsonFiles.pretty(toJson(cfg, c)) + "\n");
                System.out.println("wrote " + json);
            }
        });
    }

    /** A shipped name, or a path to a config file when the argument names an existing file or ends in .json. */
    static BackboneSpec resolve(String arch) {
        Path p = Path.of(arch);
        if (arch.endsWith(".json") || Files.isRegularFile(p)) {
            return Backbones.load(p);
        }
        return Backbones.named(arch);
    }

    static long[] parseSize(String s) {
        String[] parts = s.toLowerCase(Locale.ROOT).split("x");
        try {
            if (parts.length == 1) {
                long v = Long.parseLong(parts[0].trim());
                return positive(new long[] {v, v}, s);
            }
            if (parts.length == 2) {
                return positive(new long[] {Long.parseLong(parts[0].trim()), Long.parseLong(parts[1].trim())}, s);
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException(
                "--size must be a pixel count like 224 or HxW like 800x1333, got '" + s + "'");
    }

    private static long[] positive(long[] hw, String s) {
        if (hw[0] < 1 || hw[1] < 1) {
            throw new IllegalArgumentException("--size must be positive, got '" + s + "'");
        }
        return hw;
    }

    /** The human-readable table, one row per stage plus the total. */
    static String table(BackboneSpec cfg, Complexity c) {
        StringBuilder sb = new StringBuilder();
        String title = cfg.name() + " (" + cfg.type() + ": " + cfg.summary() + ") at " + c.height() + "x" + c.width();
        sb.append(title).append('\n');
        int shapeWidth = "block".length();
        for (Complexity.Stage s : c.stages()) {
            shapeWidth = Math.max(shapeWidth, s.shape().length());
        }
        String fmt = "%-6s  %-10s  %-" + shapeWidth + "s  %12s  %7s%n";
        sb.append(String.format(Locale.ROOT, fmt, "stage", "output", "block", "params", "GMACs"));
        for (Complexity.Stage s : c.stages()) {
            String out = s.name().equals("fc") ? "1x1" : s.outHeight() + "x" + s.outWidth();
            sb.append(String.format(
                    Locale.ROOT,
                    fmt,
                    s.name(),
                    out,
                    s.shape(),
                    String.format(Locale.ROOT, "%,d", s.params()),
                    String.format(Locale.ROOT, "%.3f", s.macs() / 1e9)));
        }
        sb.append(String.format(
                Locale.ROOT,
                fmt,
                "total",
                "",
                "",
                String.format(Locale.ROOT, "%,d", c.params()),
                String.format(Locale.ROOT, "%.3f", c.macs() / 1e9)));
        return sb.toString();
    }

    /** The JSON report: arch, input size, totals, the config and one object per stage. */
    static JsonObject toJson(BackboneSpec cfg, Complexity c) {
        JsonObject o = new JsonObject();
        o.addProperty("arch", cfg.name());
        JsonArray size = new JsonArray();
        size.add(c.height());
        size.add(c.width());
        o.add("input_size", size);
        o.addProperty("params", c.params());
        o.addProperty("macs", c.macs());
        o.addProperty("gmacs", c.macs() / 1e9);
        o.add("config", cfg.toJson());
        JsonArray stages = new JsonArray();
        for (Complexity.Stage s : c.stages()) {
            JsonObject st = new JsonObject();
            st.addProperty("stage", s.name());
            JsonArray out = new JsonArray();
            out.add(s.outChannels());
            out.add(s.outHeight());
            out.add(s.outWidth());
            st.add("output_shape", out);
            st.addProperty("block", s.shape());
            st.addProperty("params", s.params());
            st.addProperty("macs", s.macs());
            stages.add(st);
        }
        o.add("stages", stages);
        return o;
    }
}
