package org.cardinal.spark;

import org.cardinal.core.cli.Args;

/**
 * The options of {@code tools/spark-detect}, read by every Cardinal tool's parser ({@link Args}):
 * {@code --name value} or {@code --name=value}, every option at most once, an unknown or
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

    /**
     * Reads the options of the command line.
     *
     * @throws IllegalArgumentException naming the option that is unknown, missing or malformed
     */
    public static SparkDetectOptions of(Args args) {
        String model = args.string("--model", null);
        String images = args.string("--images", null);
        String output = args.string("--output", null);
        String groundTruth = args.string("--gt", null);
        String master = args.string("--master", null);
        double threshold = args.number("--threshold", 0);
        int batchSize = args.integer("--batch-size", 8);
        args.finish();
        return new SparkDetectOptions(model, images, output, groundTruth, master, threshold, batchSize);
    }

    private static void require(String option, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("missing required option " + option);
        }
    }
}
