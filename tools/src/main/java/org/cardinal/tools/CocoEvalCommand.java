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
import org.cardinal.core.cli.Args;
import org.cardinal.core.cli.Cli;
import org.cardinal.core.io.AtomicFiles;

/**
 * {@code tools/coco-eval}: COCO bbox evaluation of a results file against a ground-truth file,
 * with pycocotools' numbers, printed in pycocotools' 12-line format.
 */
public final class CocoEvalCommand {
    static final String USAGE = String.join(
            "\n",
            "usage: tools/coco-eval --gt GT.json --dt DT.json [--json OUT.json] [--per-category] [options]",
            "",
            "Evaluates COCO-format detection results (bbox) exactly as pycocotools' COCOeval does.",
            "",
            "  --gt FILE            COCO instances file (images, annotations, categories)",
            "  --dt FILE            COCO results file: [{\"image_id\", \"category_id\", \"bbox\": [x,y,w,h], \"score\"}, ...]",
            "  --json FILE          also write {\"stats\": [12], \"per_category_ap\": {\"<id>\": ap}, ...} (atomically)",
            "  --per-category       also print AP per category (IoU 0.50:0.95, area all, largest maxDets)",
            "  --iou-thrs LIST      IoU thresholds, e.g. 0.5,0.75 (default 0.50:0.05:0.95)",
            "  --max-dets LIST      detections kept per image, e.g. 1,10,100 (default)",
            "  --area-rng LIST      label=lo:hi,... in square pixels of the gt 'area' field",
            "                       (default all=0:1e10,small=0:1024,medium=1024:9216,large=9216:1e10)",
            "  --img-ids LIST       evaluate only these image ids (default: all of the ground truth)",
            "  --cat-ids LIST       evaluate only these category ids (default: all of the ground truth)",
            "",
            "Bad input prints one line 'error: <file>: <record/field>: <what>' and exits with code 2.",
            "Results for categories the ground truth does not have are ignored with a warning.");

    private CocoEvalCommand() {}

    public static void main(String[] argv) {
        Cli.run(USAGE, argv, CocoEvalCommand::run);
    }

    static void run(Args args) throws IOException {
        Path gtPath = Path.of(args.required("--gt"));
        Path dtPath = Path.of(args.required("--dt"));
        Path jsonPath = args.path("--json");
        boolean perCategory = args.flag("--per-category");
        CocoEvalParams params = CocoEvalParams.defaults();
        String v;
        if ((v = args.string("--iou-thrs", null)) != null) {
            params = params.withIouThrs(doubles("--iou-thrs", v));
        }
        if ((v = args.string("--max-dets", null)) != null) {
            params = params.withMaxDets(ints("--max-dets", v));
        }
        if ((v = args.string("--area-rng", null)) != null) {
            params = params.withAreaRanges(areaRanges(v));
        }
        if ((v = args.string("--img-ids", null)) != null) {
            String[] parts = v.split(",");
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
        if ((v = args.string("--cat-ids", null)) != null) {
            params = params.withCatIds(ints("--cat-ids", v));
        }
        args.finish();

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
