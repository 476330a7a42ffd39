package org.cardinal.tools;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.cardinal.coco.CocoEvalParams;
import org.cardinal.coco.CocoEvalResult;
import org.cardinal.coco.CocoEvaluator;
import org.cardinal.coco.CocoGroundTruth;
import org.cardinal.coco.CocoResults;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.cli.ToolOptions;
import org.cardinal.core.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tools/coco-eval}: COCO bbox evaluation of a results file against a ground-truth file,
 * with pycocotools' numbers, printed in pycocotools' 12-line format.
 */
public final class CocoEvalCommand {
    /** The options of {@code tools/coco-eval}. */
    @Command(
            name = "tools/coco-eval",
            description = "Evaluates COCO-format detection results (bbox) exactly as pycocotools' COCOeval does.",
            footer = {
                "Bad input prints one line 'error: <file>: <record/field>: <what>' and exits with code 2.",
                "Results for categories the ground truth does not have are ignored with a warning."
            })
    static final class Options extends ToolOptions {
        @Option(
                names = "--gt",
                required = true,
                paramLabel = "FILE",
                description = "COCO instances file (images, annotations, categories)")
        Path gt;

        @Option(
                names = "--dt",
                required = true,
                paramLabel = "FILE",
                description =
                        "COCO results file: [{\"image_id\", \"category_id\", \"bbox\": [x,y,w,h], \"score\"}, ...]")
        Path dt;

        @Option(
                names = "--json",
                paramLabel = "FILE",
                description = "also write {\"stats\": [12], \"per_category_ap\": {\"<id>\": ap}, ...} (atomically)")
        Path json;

        @Option(
                names = "--per-category",
                description = "also print AP per category (IoU 0.50:0.95, area all, largest maxDets)")
        boolean perCategory;

        @Option(
                names = "--iou-thrs",
                paramLabel = "LIST",
                description = "IoU thresholds, e.g. 0.5,0.75 (default 0.50:0.05:0.95)")
        String iouThrs;

        @Option(
                names = "--max-dets",
                paramLabel = "LIST",
                description = "detections kept per image, e.g. 1,10,100 (default)")
        String maxDets;

        @Option(
                names = "--area-rng",
                paramLabel = "LIST",
                description = "label=lo:hi,... in square pixels of the gt 'area' field (default"
                        + " all=0:1e10,small=0:1024,medium=1024:9216,large=9216:1e10)")
        String areaRng;

        @Option(
                names = "--img-ids",
                paramLabel = "LIST",
                description = "evaluate only these image ids (default: all of the ground truth)")
        String imgIds;

        @Option(
                names = "--cat-ids",
                paramLabel = "LIST",
                description = "evaluate only these category ids (default: all of the ground truth)")
        String catIds;
    }

    private CocoEvalCommand() {}

    public static void main(String[] argv) {
        Cli.run(new Options(), argv, CocoEvalCommand::run);
    }

    static void run(Options args) throws IOException {
        Path gtPath = args.gt;
        Path dtPath = args.dt;
        Path jsonPath = args.json;
        boolean perCategory = args.perCategory;
        CocoEvalParams params = CocoEvalParams.defaults();
        if (args.iouThrs != null) {
            params = params.withIouThrs(doubles("--iou-thrs", args.iouThrs));
        }
        if (args.maxDets != null) {
            params = params.withMaxDets(ints("--max-dets", args.maxDets));
        }
        if (args.areaRng != null) {
            params = params.withAreaRanges(areaRanges(args.areaRng));
        }
        if (args.imgIds != null) {
            String[] parts = args.imgIds.split(",");
            long[] ids = new long[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    ids[i] = Long.parseLong(parts[i].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--img-ids: '" + parts[i] + "' is not an integer");
                }
            }
            params = params.withImgIds(ids);
        }
        if (args.catIds != null) {
            params = params.withCatIds(ints("--cat-ids", args.catIds));
        }

        // The results file is the big one: read it on a second core while the ground truth loads.
        CompletableFuture<CocoResults> results = CompletableFuture.supplyAsync(() -> CocoResults.read(dtPath));
        CocoGroundTruth gt = CocoGroundTruth.read(gtPath);
        CocoEvaluator evaluator = new CocoEvaluator(gt, params);
        try {
            evaluator.addResults(results.join());
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
        for (String w : evaluator.warnings()) {
            System.err.println("warning: " + dtPath + ": " + w);
        }
        CocoEvalResult result = evaluator.evaluate();
        StringBuilder out = new StringBuilder(result.summaryText());
        if (perCategory) {
            out.append(perCategoryTable(gt, result));
        }
        System.out.print(out);
        if (jsonPath != null) {
            AtomicFiles.writeString(jsonPath, result.toJson());
        }
    }

    private static String perCategoryTable(CocoGroundTruth gt, CocoEvalResult result) {
        Map<Integer, String> names = new HashMap<>();
        for (CocoGroundTruth.Category c : gt.categories()) {
            names.put(c.id(), c.name());
        }
        return CocoEvalResult.perCategoryTable(result.params(), result.perCategoryAp(), names);
    }

    private static double[] doubles(String option, String list) {
        String[] parts = list.split(",");
        double[] v = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                v[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": '" + parts[i] + "' is not a number");
            }
        }
        return v;
    }

    private static int[] ints(String option, String list) {
        String[] parts = list.split(",");
        int[] v = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                v[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": '" + parts[i] + "' is not an integer");
            }
        }
        return v;
    }

    private static List<CocoEvalParams.AreaRange> areaRanges(String list) {
        List<CocoEvalParams.AreaRange> ranges = new ArrayList<>();
        for (String part : list.split(",")) {
            int eq = part.indexOf('=');
            int colon = part.indexOf(':', eq + 1);
            if (eq <= 0 || colon < 0) {
                throw new IllegalArgumentException("--area-rng: expected label=lo:hi, got '" + part + "'");
            }
            double[] lohi = doubles("--area-rng", part.substring(eq + 1, colon) + "," + part.substring(colon + 1));
            ranges.add(new CocoEvalParams.AreaRange(part.substring(0, eq).trim(), lohi[0], lohi[1]));
        }
        return ranges;
    }
}
