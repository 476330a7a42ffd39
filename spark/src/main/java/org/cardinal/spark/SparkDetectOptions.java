package org.cardinal.spark;

import org.cardinal.core.cli.Cli;
import org.cardinal.core.cli.ToolOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The options of {@code tools/spark-detect}, read as every Cardinal tool's ({@link ToolOptions}):
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
     * @param argv the arguments of main
     * @throws IllegalArgumentException naming the option that is unknown, missing or malformed
     */
    public static SparkDetectOptions parse(String... argv) {
        return of(Cli.options(new Given(), argv));
    }

    /** The options as the command line gave them, checked by the record's constructor. */
    static SparkDetectOptions of(Given given) {
        return new SparkDetectOptions(
                given.model,
                given.images,
                given.output,
                given.groundTruth,
                given.master,
                given.threshold,
                given.batchSize);
    }

    /** The command line of {@code tools/spark-detect}: each option declared once. */
    @Command(
            name = "tools/spark-detect",
            description = {
                "Runs a Cardinal detector over images as an Apache Spark job (embedded local[*] by default) and"
                        + " writes DIR/detections.json (COCO results, as tools/predict writes them),"
                        + " DIR/detections.parquet/ (one row per detection) and DIR/failures.json (images that"
                        + " could not be read, with the reason)."
            })
    static final class Given extends ToolOptions {
        @Option(
                names = "--model",
                required = true,
                paramLabel = "MODEL",
                description = "artifact folder, run folder (its model/), artifact URL or model-zoo id")
        String model;

        @Option(
                names = "--images",
                required = true,
                paramLabel = "PATH",
                description = "a folder, a glob (quoted) or a list file (one path per line) on any Hadoop file system"
                        + " (file:, hdfs:, s3a: with the connector); image_id is the file name's number"
                        + " (000123.png -> 123), else its position in the listing")
        String images;

        @Option(names = "--output", required = true, paramLabel = "DIR", description = "the output folder")
        String output;

        @Option(
                names = "--gt",
                paramLabel = "GT.json",
                description = "COCO instances file: also evaluate (pycocotools' numbers) into DIR/eval.json")
        String groundTruth;

        @Option(
                names = "--master",
                paramLabel = "URL",
                description = "Spark master URL (default: spark-submit's, else local[*])")
        String master;

        @Option(
                names = "--threshold",
                paramLabel = "T",
                description = "keep detections scoring at least T (default 0: all the model returns; keep the default"
                        + " for COCO evaluation)")
        double threshold;

        @Option(
                names = "--batch-size",
                paramLabel = "N",
                description = "images a task decodes and runs at a time (default 8)")
        int batchSize = 8;
    }

    private static void require(String option, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("missing required option " + option);
        }
    }
}
