package org.cardinal.spark;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options of {@code tools/spark-detect}, parsed with the conventions of Cardinal's other
 * tools: {@code --name value} or {@code --name=value}, every option at most once, an unknown or
 * malformed one an {@link IllegalArgumentException} naming it.
 *
 * @param model artifact folder, run folder (its {@code model/}), artifact URL or zoo id
 * @param images folder, glob or list file of images, on any Hadoop file system
 * @param output output folder, on any Hadoop file system
 * @param groundTruth COCO instances file to evaluate against, or {@code null}
 * @param master Spark master URL, or {@code null}: the one spark-submit set, else {@code local[*]}
 * @param threshold detections scoring below it are left out (0: keep all the model returns)
 * @param batchSize images a task decodes and runs at a time (bounds a task's memory)
 */
public record SparkDetectOptions(
        String model,
        String images,
        String output,
        String groundTruth,
        String master,
        double threshold,
        int batchSize) {

    static final String USAGE = String.join(
            "\n",
            "usage: tools/spark-detect --model MODEL --images PATH --output DIR [--gt GT.json] [--master URL]",
            "                          [--threshold T] [--batch-size N]",
            "Runs a Cardinal detector over images as an Apache Spark job (embedded local[*] by default) and",
            "writes DIR/detections.json (COCO results, as tools/predict writes them), DIR/detections.parquet/",
            "(one row per detection) and DIR/failures.json (images that could not be read, with the reason).",
            "  --model       artifact folder, run folder (its model/), artifact URL or model-zoo id",
            "  --images      a folder, a glob (quoted) or a list file (one path per line) on any Hadoop",
            "                file system (file:, hdfs:, s3a: with the connector); image_id is the file",
            "                name's number (000123.png -> 123), else its position in the listing",
            "  --gt          COCO instances file: also evaluate (pycocotools' numbers) into DIR/eval.json",
            "  --master      Spark master URL (default: spark-submit's, else local[*])",
            "  --threshold   keep detections scoring at least T (default 0: all the model returns; keep",
            "                the default for COCO evaluation)",
            "  --batch-size  images a task decodes and runs at a time (default 8)");

    private static final List<String> OPTIONS =
            List.of("--model", "--images", "--output", "--gt", "--master", "--threshold", "--batch-size");

    /** Checks the values: a threshold in [0, 1], a positive batch size, the required options. */
    public SparkDetectOptions {
        require("--model", model);
        require("--images", images);
        require("--output", output);
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("--threshold must be in [0, 1], got " + threshold);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
        }
    }

    /** Whether the arguments ask for the usage text. */
    static boolean wantsHelp(String[] argv) {
        for (String a : argv) {
            if (a.equals("--help") || a.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses the command line.
     *
     * @throws IllegalArgumentException naming the option that is unknown, repeated, missing or malformed
     */
    public static SparkDetectOptions parse(String[] argv) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String arg = argv[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            if (!OPTIONS.contains(arg)) {
                throw new IllegalArgumentException(
                        arg.startsWith("--")
                                ? "unknown option " + arg + " (see --help)"
                                : "unexpected argument '" + arg + "' (options start with --)");
            }
            if (value == null) {
                if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) {
                    throw new IllegalArgumentException(arg + " needs a value");
                }
                value = argv[++i];
            }
            if (values.put(arg, value) != null) {
                throw new IllegalArgumentException("option " + arg + " given twice");
            }
        }
        return new SparkDetectOptions(
                values.get("--model"),
                values.get("--images"),
                values.get("--output"),
                values.get("--gt"),
                values.get("--master"),
                number(values, "--threshold", 0),
                (int) integer(values, "--batch-size", 8));
    }

    private static void require(String option, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("missing required option " + option);
        }
    }

    private static double number(Map<String, String> values, String option, double defaultValue) {
        String v = values.get(option);
        try {
            return v == null ? defaultValue : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a number, got '" + v + "'");
        }
    }

    private static long integer(Map<String, String> values, String option, long defaultValue) {
        String v = values.get(option);
        try {
            return v == null ? defaultValue : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be an integer, got '" + v + "'");
        }
    }
}
