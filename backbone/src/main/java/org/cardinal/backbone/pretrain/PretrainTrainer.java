package org.cardinal.backbone.pretrain;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.training.tracker.Tracker;
import ai.djl.training.util.ProgressBar;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.cardinal.backbone.Norm;
import org.cardinal.backbone.spi.BuildOptions;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.core.io.AtomicFiles;
import org.cardinal.core.train.Autograd;
import org.cardinal.core.train.MetricsLog;
import org.cardinal.core.train.MomentumSgd;
import org.cardinal.core.train.NonFiniteLossException;
import org.cardinal.core.train.StopRequest;

/**
 * Trains a backbone's classifier (any registered type; a ResNet/ResNeXt for the paper) on an image-folder dataset ({@code data/train/<class>/...},
 * optional {@code data/val/<class>/...}) with a {@link PretrainConfig} recipe, and exports the
 * backbone weights.
 *
 * <p>The run folder explains itself: {@code config.json} (the resolved recipe), {@code
 * classes.txt}, {@code metrics.jsonl}, {@code curves.png}, {@code checkpoints/step-*.safetensors}
 * and finally {@link #WEIGHTS_FILE}: a torchvision classifier state_dict (torchvision names, {@code
 * fc.*} and {@code num_batches_tracked} included), the same format as imported torchvision weights,
 * which a detector loads as its backbone initialization.
 *
 * <p>Each optimizer step runs in its own {@link NDManager} sub-scope and {@link NDScope}, so native
 * memory stays flat over a long run. Inputs go to the device once per batch; loss and accuracy
 * counts come back to the host once per step (the only per-step synchronisation, needed to stop a
 * diverged run at once).
 */
public final class PretrainTrainer {
    /** Name of the exported backbone weights in the run folder. */
    public static final String WEIGHTS_FILE = "backbone.safetensors";

    /** Outcome of a run; {@code weights} is null when the run stopped early. */
    public record Result(
            Path weights, int epochs, long steps, double trainTop1, double valTop1, double valTop5, double valLoss) {}

    private final PretrainConfig baseConfig;
    private final Path data;
    private final Path output;
    private final Device device;
    private final Consumer<String> log;
    private boolean progressBar = true;
    private long stopAfterSteps = Long.MAX_VALUE;
    private StopRequest stopRequest = new StopRequest();

    /**
     * @param config the recipe (its {@code num_classes} is replaced by the dataset's)
     * @param data folder holding {@code train/} and optionally {@code val/}
     * @param output run folder
     * @param device the device to train on
     * @param log receives one line per message (epoch summaries, skipped files)
     */
    public PretrainTrainer(PretrainConfig config, Path data, Path output, Device device, Consumer<String> log) {
        this.baseConfig = config;
        this.data = data;
        this.output = output;
        this.device = device;
        this.log = log;
    }

    /** Shows DJL's progress bar on stdout (default on). */
    public PretrainTrainer optProgressBar(boolean show) {
        this.progressBar = show;
        return this;
    }

    /**
     * Ends the run early, with a checkpoint, once {@code steps} optimizer steps are done in total:
     * a planned interruption (a time-limited job slot) that {@code --resume} continues exactly.
     */
    public PretrainTrainer optStopAfterSteps(long steps) {
        this.stopAfterSteps = steps;
        return this;
    }

    /**
     * Ends the run early when asked (Ctrl-C, SIGTERM): after the current step, with a checkpoint
     * there that {@code --resume} continues exactly.
     */
    public PretrainTrainer optStopRequest(StopRequest request) {
        this.stopRequest = request;
        return this;
    }

    /**
     * Runs (or, with {@code resume}, continues from the latest checkpoint) until {@code epochs}.
     *
     * @throws IllegalArgumentException for a bad dataset, a checkpoint that does not match, or a
     *     run folder that already holds checkpoints while {@code resume} is false
     * @throws NonFiniteLossException when the loss becomes NaN or infinite (the last checkpoint kept)
     */
    public Result run(boolean resume) throws IOException {
        Autograd.offOnThisThread();
        ImageFolderDataset train = ImageFolderDataset.open(data.resolve("train"));
        ImageFolderDataset val = Files.isDirectory(data.resolve("val"))
                ? ImageFolderDataset.open(data.resolve("val"), train.classes())
                : null;
        if (val == null) {
            log.accept("no " + data.resolve("val") + " folder: skipping validation");
        }
        PretrainConfig cfg = baseConfig.withNumClasses(train.classes().size());
        int itersPerEpoch = ClassificationLoader.numBatches(train.size(), cfg.imsPerBatch(), true);
        if (itersPerEpoch == 0) {
            throw new IllegalArgumentException(data.resolve("train") + ": " + train.size()
                    + " images, fewer than one batch of ims_per_batch " + cfg.imsPerBatch());
        }
        Path ckptDir = output.resolve("checkpoints");
        Optional<Path> latest = PretrainCheckpoint.latest(ckptDir);
        if (!resume && latest.isPresent()) {
            throw new IllegalArgumentException(output + ": already holds checkpoints ("
                    + latest.get().getFileName() + "); pass --resume to continue that run or choose another --output");
        }
        Files.createDirectories(output);
        AtomicFiles.writeString(output.resolve("config.json"), JsonFiles.pretty(cfg.toJson()) + "\n");
        AtomicFiles.write(
                output.resolve("classes.txt"),
                (String.join("\n", train.classes()) + "\n").getBytes(StandardCharsets.UTF_8));

        try (NDManager manager = NDManager.newBaseManager(device);
                ClassificationLoader loader = new ClassificationLoader(
                        cfg.numWorkers(), cfg.prefetchBatches(), msg -> log.accept("warning: " + msg))) {
            FeatureExtractor net = cfg.backbone().build(BuildOptions.classifier(Norm.BATCH));
            // the engine's generator is one per process: runs that initialize in other threads
            // (FasterRcnn.initialize does the same) take turns
            synchronized (Engine.class) {
                Engine.getEngine(Engine.getDefaultEngineName()).setRandomSeed((int) cfg.seed());
                net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, cfg.imageSize(), cfg.imageSize()));
            }
            ParameterStore ps = new ParameterStore(manager, false);
            try (MomentumSgd sgd = MomentumSgd.forParameters(
                    StateDicts.namedParameters(net), (float) cfg.momentum(), (float) cfg.weightDecay())) {
                PretrainCheckpoint state =
                        new PretrainCheckpoint(0, 0, 0, cfg.seed(), cfg.imsPerBatch(), train.classes());
                if (resume && latest.isPresent()) {
                    state = PretrainCheckpoint.restore(latest.get(), net, sgd, manager);
                    checkCompatible(latest.get(), state, cfg, train.classes());
                    log.accept("resuming from " + latest.get() + " (epoch " + (state.epoch() + 1) + ", step "
                            + state.step() + ")");
                } else if (resume) {
                    log.accept("no checkpoint in " + ckptDir + ": starting a new run");
                }
                try (MetricsLog metrics =
                        new MetricsLog(output.resolve(MetricsLog.FILE), "step", resume ? state.step() : -1)) {
                    return loop(cfg, net, ps, sgd, loader, train, val, itersPerEpoch, state, metrics, manager);
                }
            }
        }
    }

    private void checkCompatible(Path file, PretrainCheckpoint s, PretrainConfig cfg, List<String> classes) {
        if (s.batchSize() != cfg.imsPerBatch()
                || s.seed() != cfg.seed()
                || !s.classes().equals(classes)) {
            throw new IllegalArgumentException(file + ": checkpoint was taken with ims_per_batch " + s.batchSize()
                    + ", seed " + s.seed() + " and " + s.classes().size() + " classes; this run has ims_per_batch "
                    + cfg.imsPerBatch() + ", seed " + cfg.seed() + " and " + classes.size()
                    + " classes - resume needs the same three");
        }
    }

    private Result loop(
            PretrainConfig cfg,
            FeatureExtractor net,
            ParameterStore ps,
            MomentumSgd sgd,
            ClassificationLoader loader,
            ImageFolderDataset train,
            ImageFolderDataset val,
            int itersPerEpoch,
            PretrainCheckpoint start,
            MetricsLog metrics,
            NDManager manager)
            throws IOException {
        Tracker lrSchedule = LearningRateSchedule.build(cfg, itersPerEpoch);
        ClassificationTransform trainTransform = ClassificationTransform.train(cfg.imageSize(), cfg.crop());
        ClassificationTransform evalTransform = ClassificationTransform.eval(cfg.imageSize(), cfg.resizeSize());
        Path ckptDir = output.resolve("checkpoints");
        long step = start.step();
        double lastTrainTop1 = Double.NaN;
        double[] lastVal = {Double.NaN, Double.NaN, Double.NaN, 0};
        for (int epoch = start.epoch(); epoch < cfg.epochs(); epoch++) {
            int firstBatch = epoch == start.epoch() ? start.nextBatch() : 0;
            int[] order = permutation(train.size(), cfg.seed(), epoch);
            Iterator<ClassificationLoader.HostBatch> batches = loader.batches(
                    train, trainTransform, order, cfg.imsPerBatch(), true, cfg.seed(), epoch, firstBatch);
            ProgressBar bar = progressBar
                    ? new ProgressBar(String.format("epoch %d/%d", epoch + 1, cfg.epochs()), itersPerEpoch)
                    : null;
            if (bar != null) {
                bar.start(firstBatch);
            }
            RunningStats window = new RunningStats();
            RunningStats epochStats = new RunningStats();
            long windowStart = System.nanoTime();
            for (int b = firstBatch; batches.hasNext(); b++) {
                ClassificationLoader.HostBatch batch = batches.next();
                float lr = lrSchedule.getNewValue((int) step);
                if (batch.count() >= 2) { // BatchNorm cannot train on a single image
                    double[] r;
                    try {
                        r = trainStep(net, ps, sgd, batch, cfg, lr, manager);
                    } catch (NonFiniteLossException e) {
                        throw new NonFiniteLossException(
                                (int) step + 1,
                                e.term(),
                                e.value(),
                                lr,
                                PretrainCheckpoint.latest(ckptDir).orElse(null));
                    }
                    window.add(r[0], r[1], batch.count());
                    epochStats.add(r[0], r[1], batch.count());
                }
                step++;
                if (bar != null) {
                    bar.update(
                            b, String.format("loss %.3f top1 %.1f%% lr %.4g", window.loss(), 100 * window.top1(), lr));
                }
                boolean endOfEpoch = !batches.hasNext();
                if ((b + 1) % cfg.logPeriod() == 0 || endOfEpoch) {
                    double seconds = (System.nanoTime() - windowStart) / 1e9;
                    JsonObject rec = record("train", step, epoch, b + 1, itersPerEpoch);
                    rec.addProperty("lr", lr);
                    rec.addProperty("loss", window.loss());
                    rec.addProperty("top1", window.top1());
                    rec.addProperty("images_per_s", window.images / Math.max(seconds, 1e-9));
                    rec.addProperty("skipped_images", loader.unreadableCount());
                    metrics.log(rec);
                    window = new RunningStats();
                    windowStart = System.nanoTime();
                }
                boolean stop = (step >= stopAfterSteps || stopRequest.isRequested()) && !endOfEpoch;
                if ((cfg.checkpointEveryIters() > 0 && step % cfg.checkpointEveryIters() == 0 && !endOfEpoch) || stop) {
                    new PretrainCheckpoint(epoch, b + 1, step, cfg.seed(), cfg.imsPerBatch(), train.classes())
                            .write(ckptDir, net, sgd);
                }
                if (stop) {
                    if (bar != null) {
                        System.out.println();
                    }
                    log.accept("stopped after step " + step + " (checkpoint written; --resume continues)");
                    return new Result(null, epoch, step, epochStats.top1(), Double.NaN, Double.NaN, Double.NaN);
                }
            }
            lastTrainTop1 = epochStats.top1();
            boolean last = epoch == cfg.epochs() - 1;
            String summary = String.format(
                    "epoch %d/%d: train loss %.4f top-1 %.2f%%",
                    epoch + 1, cfg.epochs(), epochStats.loss(), 100 * epochStats.top1());
            if (val != null && ((epoch + 1) % cfg.evalEveryEpochs() == 0 || last)) {
                double[] v = evaluate(net, ps, loader, val, evalTransform, cfg, manager, stopRequest);
                if (v == null) { // stopped during the evaluation: the epoch's training is kept, its val pass is not
                    new PretrainCheckpoint(epoch + 1, 0, step, cfg.seed(), cfg.imsPerBatch(), train.classes())
                            .write(ckptDir, net, sgd);
                    log.accept("stopped during the evaluation after step " + step
                            + " (checkpoint written; --resume continues)");
                    return new Result(null, epoch + 1, step, lastTrainTop1, lastVal[1], lastVal[2], lastVal[0]);
                }
                lastVal = v;
                JsonObject rec = record("val", step, epoch, itersPerEpoch, itersPerEpoch);
                rec.addProperty("loss", lastVal[0]);
                rec.addProperty("top1", lastVal[1]);
                rec.addProperty("top5", lastVal[2]);
                rec.addProperty("images", (long) lastVal[3]);
                metrics.log(rec);
                summary += String.format(
                        ", val loss %.4f top-1 %.2f%% top-5 %.2f%%", lastVal[0], 100 * lastVal[1], 100 * lastVal[2]);
            }
            log.accept(summary);
            PretrainCurves.write(metrics.records(), output.resolve("curves.png"));
            if ((epoch + 1) % cfg.checkpointEveryEpochs() == 0 || last) {
                new PretrainCheckpoint(epoch + 1, 0, step, cfg.seed(), cfg.imsPerBatch(), train.classes())
                        .write(ckptDir, net, sgd);
            }
            if ((step >= stopAfterSteps || stopRequest.isRequested()) && !last) {
                if (!((epoch + 1) % cfg.checkpointEveryEpochs() == 0)) {
                    new PretrainCheckpoint(epoch + 1, 0, step, cfg.seed(), cfg.imsPerBatch(), train.classes())
                            .write(ckptDir, net, sgd);
                }
                log.accept("stopped after step " + step + " (checkpoint written; --resume continues)");
                return new Result(null, epoch + 1, step, lastTrainTop1, lastVal[1], lastVal[2], lastVal[0]);
            }
        }
        Path weights = output.resolve(WEIGHTS_FILE);
        BackboneExport.write(net, weights, step, train.classes());
        return new Result(weights, cfg.epochs(), step, lastTrainTop1, lastVal[1], lastVal[2], lastVal[0]);
    }

    private static JsonObject record(String type, long step, int epoch, int batchesDone, int itersPerEpoch) {
        JsonObject rec = new JsonObject();
        rec.addProperty("type", type);
        rec.addProperty("step", step);
        rec.addProperty("epoch", epoch + 1);
        rec.addProperty("epoch_progress", epoch + (double) batchesDone / itersPerEpoch);
        return rec;
    }

    /** One optimizer step; returns {loss, top-1 fraction}. */
    private static double[] trainStep(
            FeatureExtractor net,
            ParameterStore ps,
            MomentumSgd sgd,
            ClassificationLoader.HostBatch batch,
            PretrainConfig cfg,
            float lr,
            NDManager manager) {
        try (NDManager stepManager = manager.newSubManager()) {
            int s = batch.size();
            // The one deliberate host-to-device transfer of the step: the decoded batch.
            NDArray x = stepManager.create(
                    FloatBuffer.wrap(batch.pixels(), 0, batch.count() * 3 * s * s), new Shape(batch.count(), 3, s, s));
            NDArray y = stepManager.create(batch.labels());
            PretrainStep.Outcome r = PretrainStep.run(net, ps, sgd, x, y, (float) cfg.labelSmoothing(), lr);
            // The batch is a tensor over a direct buffer that only the Java object x keeps alive;
            // the backward pass reads it (the first convolution's weight gradient), so x must stay
            // reachable until then, or a garbage collection frees the pixels under it.
            Reference.reachabilityFence(x);
            return new double[] {r.loss(), r.top1Hits() / (double) batch.count()};
        }
    }

    /**
     * Evaluates on {@code val}; returns {mean loss, top-1, top-5, images read} (fractions over the
     * images read), or null when {@code stop} was asked for before the last batch.
     */
    static double[] evaluate(
            FeatureExtractor net,
            ParameterStore ps,
            ClassificationLoader loader,
            ImageFolderDataset val,
            ClassificationTransform transform,
            PretrainConfig cfg,
            NDManager manager,
            StopRequest stop) {
        int[] order = new int[val.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Iterator<ClassificationLoader.HostBatch> it =
                loader.batches(val, transform, order, cfg.imsPerBatch(), false, cfg.seed(), 0, 0);
        double lossSum = 0;
        long top1 = 0;
        long top5 = 0;
        long n = 0;
        while (it.hasNext()) {
            if (stop.isRequested()) {
                return null;
            }
            ClassificationLoader.HostBatch batch = it.next();
            if (batch.count() == 0) {
                continue;
            }
            try (NDManager stepManager = manager.newSubManager();
                    NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                int s = batch.size();
                NDArray x = stepManager.create(
                        FloatBuffer.wrap(batch.pixels(), 0, batch.count() * 3 * s * s),
                        new Shape(batch.count(), 3, s, s));
                NDArray y = stepManager.create(batch.labels());
                NDList out = net.forward(ps, new NDList(x), false);
                NDArray logits = out.get(out.size() - 1);
                // Host read-back per batch: three counters.
                lossSum += ClassificationLoss.crossEntropy(logits, y, 0f).getFloat() * batch.count();
                top1 += ClassificationLoss.topKHits(logits, y, 1).getLong();
                top5 += ClassificationLoss.topKHits(logits, y, 5).getLong();
                n += batch.count();
            }
        }
        if (n == 0) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN, 0};
        }
        return new double[] {lossSum / n, top1 / (double) n, top5 / (double) n, n};
    }

    /** The visiting order of epoch {@code epoch}: a Fisher-Yates shuffle seeded by (seed, epoch). */
    static int[] permutation(int n, long seed, int epoch) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed * 0x632BE59BD9B4E019L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Image-weighted means of loss and top-1 over a window of steps. */
    private static final class RunningStats {
        double lossSum;
        double top1Sum;
        long images;

        void add(double loss, double top1, int count) {
            lossSum += loss * count;
            top1Sum += top1 * count;
            images += count;
        }

        double loss() {
            return images == 0 ? Double.NaN : lossSum / images;
        }

        double top1() {
            return images == 0 ? Double.NaN : top1Sum / images;
        }
    }
}
