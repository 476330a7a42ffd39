package org.cardinal.spark;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.DetectedObjects;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SerializableWritable;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.TaskCompletionListener;
import org.cardinal.backbone.image.ImageDecoder;
import org.cardinal.coco.CocoGroundTruth;
import org.cardinal.coco.PerImageEvaluator;
import org.cardinal.core.train.Autograd;
import org.cardinal.detector.results.CocoCategories;
import org.cardinal.detector.results.CocoDetection;

/**
 * The work of one Spark task: reads, decodes and detects its partition's images, a bounded batch
 * at a time, with the model its JVM loaded once ({@link ExecutorModels}), and evaluates each
 * image against the broadcast ground truth where it was detected.
 *
 * <p>An image that cannot be read or decoded becomes an {@link ImageResult} with the reason, and so
 * does one too large to hold: a file of more bytes than the pixel budget can explain, or an image
 * whose header declares more pixels than the budget ({@link ImageDecoder#decode(byte[], String,
 * long)} reads the header before decoding). Anything else that fails (the model) fails the task,
 * and Spark runs it again. A task has no
 * side effect: its results reach the outputs only through the driver and Spark's committer, so
 * a retried task adds nothing twice.
 *
 * <p>Numbers are computed as tools/predict computes them: each image through Cardinal's {@code
 * ImageDecoder} (the decoder of every other path) and its own forward pass (the translator does
 * not pad images of a batch together, so a batch only bounds how many decoded images a task
 * holds), then turned into COCO records by the same {@link CocoCategories}.
 */
final class PartitionDetector implements FlatMapFunction<Iterator<ImageRef>, ImageResult> {
    private static final long serialVersionUID = 1L;

    /** Partitions whose first attempt fails after its first batch: lets tests watch a retry. */
    static final Set<Integer> FAIL_FIRST_ATTEMPT_FOR_TESTS = ConcurrentHashMap.newKeySet();

    private final String modelFile;
    private final CocoCategories categories;
    private final Broadcast<SerializableWritable<Configuration>> hadoopConf;
    private final Broadcast<CocoGroundTruth> groundTruth;
    private final double threshold;
    private final int batchSize;
    private final long maxPixels;
    private final LongAccumulator imagesDone;

    /**
     * @param modelFile name of the artifact folder among the job's files ({@code SparkContext.addFile})
     * @param categories the artifact's class names and COCO category ids
     * @param groundTruth the ground truth to evaluate against, or {@code null}
     * @param maxPixels the pixel budget of an image (the driver's, so every executor has the same)
     */
    PartitionDetector(
            String modelFile,
            CocoCategories categories,
            Broadcast<SerializableWritable<Configuration>> hadoopConf,
            Broadcast<CocoGroundTruth> groundTruth,
            double threshold,
            int batchSize,
            long maxPixels,
            LongAccumulator imagesDone) {
        this.modelFile = modelFile;
        this.categories = categories;
        this.hadoopConf = hadoopConf;
        this.groundTruth = groundTruth;
        this.threshold = threshold;
        this.batchSize = batchSize;
        this.maxPixels = maxPixels;
        this.imagesDone = imagesDone;
    }

    @Override
    public Iterator<ImageResult> call(Iterator<ImageRef> images) throws Exception {
        TaskContext task = TaskContext.get();
        // the model first: it starts the engine with the task's thread count
        Predictor<Image, DetectedObjects> predictor = ExecutorModels.get(
                        Path.of(SparkFiles.get(modelFile)), ExecutorModels.deviceOf(task), task.cpus())
                .newPredictor();
        Autograd.offOnThisThread();
        task.addTaskCompletionListener((TaskCompletionListener) context -> predictor.close());
        PerImageEvaluator evaluator = groundTruth == null ? null : ExecutorEvaluators.of(groundTruth);
        return new Batches(images, predictor, evaluator, hadoopConf.value().value(), task);
    }

    /** The task's results, produced a batch at a time as Spark pulls them. */
    private final class Batches implements Iterator<ImageResult> {
        private final Iterator<ImageRef> images;
        private final Predictor<Image, DetectedObjects> predictor;
        private final PerImageEvaluator evaluator;
        private final Configuration conf;
        private final TaskContext task;
        private final ArrayDeque<ImageResult> ready = new ArrayDeque<>();
        private int batches;

        Batches(
                Iterator<ImageRef> images,
                Predictor<Image, DetectedObjects> predictor,
                PerImageEvaluator evaluator,
                Configuration conf,
                TaskContext task) {
            this.images = images;
            this.predictor = predictor;
            this.evaluator = evaluator;
            this.conf = conf;
            this.task = task;
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty() && images.hasNext()) {
                if (batches == 1
                        && task.attemptNumber() == 0
                        && FAIL_FIRST_ATTEMPT_FOR_TESTS.contains(task.partitionId())) {
                    throw new IllegalStateException("failure injected by a test into partition " + task.partitionId());
                }
                try {
                    runBatch();
                } catch (Exception e) {
                    throw new IllegalStateException(
                            "detection failed in partition " + task.partitionId() + ": " + e, e);
                }
                batches++;
            }
            return !ready.isEmpty();
        }

        @Override
        public ImageResult next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        private void runBatch() throws Exception {
            List<ImageRef> refs = new ArrayList<>(batchSize);
            List<Image> decoded = new ArrayList<>(batchSize);
            ImageResult[] results = new ImageResult[batchSize];
            while (refs.size() < batchSize && images.hasNext()) {
                ImageRef ref = images.next();
                try {
                    decoded.add(read(ref));
                } catch (IOException | RuntimeException e) {
                    results[refs.size()] = ImageResult.failed(ref, reason(e));
                    decoded.add(null);
                }
                refs.add(ref);
            }
            List<Image> toRun = decoded.stream().filter(i -> i != null).toList();
            // one forward pass per image (see the class comment); DJL frees each pass's tensors
            Iterator<DetectedObjects> outputs = toRun.isEmpty()
                    ? List.<DetectedObjects>of().iterator()
                    : predictor.batchPredict(toRun).iterator();
            for (int i = 0; i < refs.size(); i++) {
                if (results[i] == null) {
                    results[i] = result(refs.get(i), decoded.get(i), outputs.next());
                }
                ready.add(results[i]);
            }
            imagesDone.add(refs.size());
        }

        private Image read(ImageRef ref) throws IOException {
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(ref.path());
            byte[] bytes;
            long maxBytes = maxFileBytes(maxPixels);
            try (InputStream in = path.getFileSystem(conf).open(path)) {
                bytes = in.readNBytes((int) maxBytes + 1);
            }
            if (bytes.length > maxBytes) {
                throw new IOException("cannot decode it: a file of more than " + maxBytes
                        + " bytes, more than an image within the pixel budget of " + maxPixels + " needs");
            }
            Image image;
            try {
                // the decoder of every other path (tools/predict included): the same pixels
                image = ImageDecoder.toImage(
                        ImageDecoder.decode(bytes, ref.path(), maxPixels).upright());
            } catch (IOException | RuntimeException e) {
                throw new IOException(
                        "cannot decode its " + bytes.length + " bytes as an image (" + e.getMessage() + ")", e);
            }
            if (image == null || image.getWidth() <= 0 || image.getHeight() <= 0) {
                throw new IOException("cannot decode its " + bytes.length + " bytes as an image");
            }
            return image;
        }

        private ImageResult result(ImageRef ref, Image image, DetectedObjects dets) {
            List<CocoDetection> kept = categories.detections(dets, image.getWidth(), image.getHeight()).stream()
                    .filter(d -> d.score() >= threshold)
                    .toList();
            return new ImageResult(
                    ref,
                    kept,
                    null,
                    evaluator == null
                            ? null
                            : evaluator.evaluate(
                                    ref.imageId(),
                                    kept.stream()
                                            .map(CocoDetection::toScoredBox)
                                            .toList()));
        }
    }

    /**
     * The most bytes an image file within the pixel budget is read for: 4 bytes a pixel (a 32-bit
     * uncompressed bitmap) and 1 MiB of headers, at most what a Java array holds.
     */
    static long maxFileBytes(long maxPixels) {
        return Math.min(Integer.MAX_VALUE - 16L, Math.min(maxPixels, Long.MAX_VALUE / 8) * 4 + (1 << 20));
    }

    private static String reason(Exception e) {
        if (e instanceof FileNotFoundException) {
            return "no such file";
        }
        String message = e.getMessage();
        if (e instanceof IOException && message != null && message.startsWith("cannot decode")) {
            return message;
        }
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message.strip());
    }
}
