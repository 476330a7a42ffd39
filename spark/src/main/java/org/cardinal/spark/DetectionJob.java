package org.cardinal.spark;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SerializableWritable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.cardinal.backbone.image.ImageDecoder;
import org.cardinal.coco.CocoEvalParams;
import org.cardinal.coco.CocoEvalResult;
import org.cardinal.coco.CocoGroundTruth;
import org.cardinal.coco.ImageEvaluation;
import org.cardinal.coco.PerImageEvaluator;
import org.cardinal.core.train.StopRequest;
import org.cardinal.detector.results.CocoCategories;
import org.cardinal.detector.results.CocoResultsWriter;
import org.cardinal.detector.results.ImageIds;
import org.cardinal.detector.zoo.DetectorArtifact;
import org.cardinal.detector.zoo.ModelLocator;

/**
 * One run of {@code tools/spark-detect} on a Spark session: lists the images and resolves the
 * model on the driver ({@link ModelLocator}, a copy of a remote one by {@link LocalCopies}, deleted
 * when the job ends), ships the model folder to the executors ({@code SparkContext.addFile}),
 * detects (and evaluates) every image once in {@link PartitionDetector} tasks whose results Spark
 * keeps (memory, then disk), then writes from them:
 * <ul>
 *   <li>{@code detections.parquet/} through Spark's own committer ({@link DetectionRows});
 *   <li>{@code detections.json} in the listing's order, as tools/predict writes it
 *       ({@link CocoResultsWriter});
 *   <li>{@code failures.json}: {@code [{"image_path", "image_id", "reason"}]}, the images that
 *       could not be read;
 *   <li>with a ground truth, {@code eval.json} (tools/coco-eval's {@code --json} format), the
 *       per-image evaluations accumulated on the driver ({@link PerImageEvaluator}).
 * </ul>
 * The driver's files are written atomically ({@link AtomicOutput}). A run first removes these
 * outputs of an earlier run from {@code --output}, so that the folder never holds the files of two
 * runs (an {@code eval.json} beside detections it was not computed from). Partitions are small (at
 * most {@value #MAX_IMAGES_PER_TASK} images, about four tasks per core for small sets) so that a
 * retry repeats little and progress moves often.
 *
 * <p>A {@link StopRequest} (Ctrl-C or SIGTERM in tools/spark-detect) cancels the job's Spark jobs
 * within a batch of each running task (tasks are not interrupted in native code); the run then
 * removes the outputs it had written, so that a stopped run leaves none, and returns a summary
 * that says it stopped.
 */
public final class DetectionJob {

    static final int MAX_IMAGES_PER_TASK = 256;

    /** The files and folder a run writes into {@code --output}. */
    static final List<String> OUTPUTS = List.of("detections.parquet", "detections.json", "failures.json", "eval.json");

    /**
     * What a run did.
     *
     * @param stoppedBy what stopped the run before it wrote its outputs (e.g. "SIGTERM"), or null
     *     when it ran to the end
     */
    public record Summary(
            long images, long failures, long detections, double seconds, CocoEvalResult evaluation, String stoppedBy) {}

    /** Thrown inside a run when its stop request is seen between two phases. */
    private static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super(null, null, false, false);
        }
    }

    private DetectionJob() {}

    /**
     * Runs the job.
     *
     * @param out where the COCO summary and the closing line go
     * @param progress where progress lines go while the job runs
     * @throws IllegalArgumentException for a user's mistake, naming the option or file
     */
    public static Summary run(SparkSession spark, SparkDetectOptions options, PrintStream out, PrintStream progress)
            throws IOException {
        return run(spark, options, out, progress, new StopRequest());
    }

    /**
     * Runs the job until it ends or {@code stop} is requested.
     *
     * @param stop polled while the job runs: cancels it, and the run removes what it wrote
     * @throws IllegalArgumentException for a user's mistake, naming the option or file
     */
    public static Summary run(
            SparkSession spark, SparkDetectOptions options, PrintStream out, PrintStream progress, StopRequest stop)
            throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        try (LocalCopies copies = new LocalCopies(conf)) {
            return run(spark, options, copies, out, progress, stop);
        }
    }

    private static Summary run(
            SparkSession spark,
            SparkDetectOptions options,
            LocalCopies copies,
            PrintStream out,
            PrintStream progress,
            StopRequest stop)
            throws IOException {
        long begin = System.nanoTime();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        // a model on another file system is copied to the driver first (a URL is the zoo's to fetch)
        java.nio.file.Path modelDir = ModelLocator.locate(
                LocalCopies.isRemote(options.model())
                        ? copies.of(options.model(), "--model").toString()
                        : options.model());
        DetectorArtifact artifact = DetectorArtifact.read(modelDir);
        List<ImageRef> images = ImageListing.list(options.images(), conf);
        CocoGroundTruth gt = null;
        if (options.groundTruth() != null) {
            gt = CocoGroundTruth.read(copies.of(options.groundTruth(), "--gt"));
        }
        checkImageIds(images, gt, options, progress);
        Path outDir = new Path(options.output());
        FileSystem fs = outDir.getFileSystem(conf);
        fs.mkdirs(outDir);
        outDir = fs.makeQualified(outDir);
        removeOutputs(fs, outDir);

        spark.sparkContext().addFile(modelDir.toUri().toString(), true);
        Broadcast<SerializableWritable<Configuration>> hadoopConf = jsc.broadcast(new SerializableWritable<>(conf));
        Broadcast<CocoGroundTruth> gtShared = gt == null ? null : jsc.broadcast(gt);
        LongAccumulator done = spark.sparkContext().longAccumulator("cardinal images done");
        int partitions = partitions(images.size(), jsc.defaultParallelism());
        JavaRDD<ImageResult> results = jsc.parallelize(images, partitions)
                .mapPartitions(new PartitionDetector(
                        modelDir.getFileName().toString(),
                        new CocoCategories(artifact),
                        hadoopConf,
                        gtShared,
                        options.threshold(),
                        options.batchSize(),
                        ImageDecoder.maxPixels(),
                        done))
                .persist(StorageLevel.MEMORY_AND_DISK());
        progress.printf(
                Locale.ROOT,
                "spark-detect: %d images in %d tasks on %s, model %s%n",
                images.size(),
                partitions,
                spark.sparkContext().master(),
                artifact.id());
        String group = "cardinal-spark-detect-" + UUID.randomUUID();
        // not interrupted: a task stops where Spark checks for it, between two images it reads
        spark.sparkContext().setJobGroup(group, "cardinal spark-detect: " + images.size() + " images", false);
        Thread canceller = canceller(spark, group, stop);
        try {
            checkStop(stop);
            try (ProgressReporter reporter =
                    new ProgressReporter(done::value, images.size(), progress, Duration.ofSeconds(10))) {
                // The detection, as a plain RDD job that starts at once (a stop cancels it without
                // waiting for SQL planning); the outputs below read Spark's cached results.
                results.count();
            }
            checkStop(stop);
            spark.createDataFrame(results.flatMap(DetectionRows::of), DetectionRows.SCHEMA)
                    .write()
                    .mode(SaveMode.Overwrite)
                    .parquet(new Path(outDir, "detections.parquet").toString());
            checkStop(stop);
            List<ImageEvaluation> evaluations = new ArrayList<>();
            List<ImageResult> failed = new ArrayList<>();
            long[] detections = new long[1];
            AtomicOutput.write(fs, new Path(outDir, "detections.json"), stream -> {
                CocoResultsWriter writer = new CocoResultsWriter(stream);
                for (Iterator<ImageResult> it = results.toLocalIterator(); it.hasNext(); ) {
                    ImageResult r = it.next();
                    if (r.failure() != null) {
                        failed.add(r);
                        continue;
                    }
                    writer.add(r.ref().imageId(), r.ref().fileName(), r.detections());
                    if (r.evaluation() != null) {
                        evaluations.add(r.evaluation());
                    }
                }
                writer.finish();
                detections[0] = writer.count();
            });
            checkStop(stop);
            writeFailures(fs, new Path(outDir, "failures.json"), failed);
            for (ImageResult f : failed) {
                progress.println("warning: " + f.ref().path() + ": " + f.failure());
            }
            CocoEvalResult evaluation = null;
            if (gt != null) {
                evaluation = new PerImageEvaluator(gt, CocoEvalParams.defaults()).accumulate(evaluations);
                for (String w : evaluation.warnings()) {
                    progress.println("warning: " + w);
                }
                out.print(evaluation.summaryText());
                String json = evaluation.toJson();
                AtomicOutput.write(
                        fs,
                        new Path(outDir, "eval.json"),
                        stream -> stream.write(json.getBytes(StandardCharsets.UTF_8)));
            }
            double seconds = (System.nanoTime() - begin) / 1e9;
            out.printf(
                    Locale.ROOT,
                    "%d images (%d could not be read), %d detections in %.1f s (%.2f images/s, "
                            + "start-up included) -> %s%n",
                    images.size(),
                    failed.size(),
                    detections[0],
                    seconds,
                    images.size() / seconds,
                    outDir);
            return new Summary(images.size(), failed.size(), detections[0], seconds, evaluation, null);
        } catch (Exception e) {
            // a cancelled job ends in a SparkException (which Scala throws undeclared)
            if (!stop.isRequested()) {
                throw e;
            }
            removeOutputs(fs, outDir);
            double seconds = (System.nanoTime() - begin) / 1e9;
            progress.printf(
                    Locale.ROOT,
                    "spark-detect: stopped by %s after %d of %d images in %.1f s; this run's outputs were removed"
                            + " from %s (run the same command again to detect every image)%n",
                    stop.reason(),
                    Math.min(done.value(), images.size()),
                    images.size(),
                    seconds,
                    outDir);
            return new Summary(images.size(), 0, 0, seconds, null, stop.reason());
        } finally {
            canceller.interrupt();
            spark.sparkContext().clearJobGroup();
            results.unpersist(false);
            if (gtShared != null) {
                ExecutorEvaluators.release(gtShared);
                gtShared.destroy();
            }
            hadoopConf.destroy();
        }
    }

    /**
     * A daemon thread that, once {@code stop} is requested, cancels the group's jobs, those running
     * and any submitted later; interrupting it (the run ended) ends it.
     */
    private static Thread canceller(SparkSession spark, String group, StopRequest stop) {
        Thread t = new Thread(
                () -> {
                    try {
                        while (!stop.isRequested()) {
                            Thread.sleep(100);
                        }
                    } catch (InterruptedException e) {
                        return; // the run ended
                    }
                    spark.sparkContext().cancelJobGroupAndFutureJobs(group, "stopped by " + stop.reason());
                },
                "cardinal-stop");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void checkStop(StopRequest stop) {
        if (stop.isRequested()) {
            throw new Stopped();
        }
    }

    /** Removes a run's outputs ({@link #OUTPUTS}) from {@code outDir}, leaving any other file. */
    private static void removeOutputs(FileSystem fs, Path outDir) throws IOException {
        for (String name : OUTPUTS) {
            Path p = new Path(outDir, name);
            if (fs.exists(p)) {
                fs.delete(p, true);
            }
        }
    }

    /** About four tasks per core for small sets, at most {@value #MAX_IMAGES_PER_TASK} images a task. */
    static int partitions(int images, int parallelism) {
        int perTask = (int) Math.max(1, Math.min(MAX_IMAGES_PER_TASK, Math.ceil(images / (4.0 * parallelism))));
        return Math.max(1, (images + perTask - 1) / perTask);
    }

    /**
     * Image ids identify images in every output, and the evaluation needs them in the ground
     * truth: with {@code --gt} an id outside it, or two files with one id, is an error; without,
     * a repeated id is a warning (as in tools/predict).
     */
    private static void checkImageIds(
            List<ImageRef> images, CocoGroundTruth gt, SparkDetectOptions options, PrintStream progress) {
        if (gt != null) {
            for (ImageRef ref : images) {
                if (!gt.hasImage(ref.imageId())) {
                    throw new IllegalArgumentException("--images " + options.images() + ": " + ref.path()
                            + " has image id " + ref.imageId() + " (from its name or position), which is not an"
                            + " image of --gt " + options.groundTruth());
                }
            }
        }
        List<String> repeated = ImageIds.repeated(
                images.stream().map(ImageRef::path).toList(),
                images.stream().mapToLong(ImageRef::imageId).toArray());
        if (gt != null && !repeated.isEmpty()) {
            throw new IllegalArgumentException("--images " + options.images() + ": " + repeated.get(0));
        }
        for (String message : repeated) {
            progress.println("warning: " + message);
        }
    }

    private static void writeFailures(FileSystem fs, Path target, List<ImageResult> failed) throws IOException {
        AtomicOutput.write(fs, target, stream -> {
            OutputStreamWriter text = new OutputStreamWriter(stream, StandardCharsets.UTF_8);
            JsonWriter json = new JsonWriter(text);
            json.setIndent("  ");
            json.beginArray();
            for (ImageResult f : failed) {
                json.beginObject();
                json.name("image_path").value(f.ref().path());
                json.name("image_id").value(f.ref().imageId());
                json.name("reason").value(f.failure());
                json.endObject();
            }
            json.endArray();
            json.flush();
            text.write('\n');
            text.flush();
        });
    }
}
