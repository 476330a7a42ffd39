package org.cardinal.detector.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.cardinal.core.train.Autograd;
import org.cardinal.core.train.InPlace;
import org.cardinal.core.train.MomentumSgd;
import org.cardinal.core.train.NonFiniteLossException;
import org.cardinal.core.train.Scalars;
import org.cardinal.core.train.Seeds;
import org.cardinal.core.train.StepGradients;
import org.cardinal.detector.StageListener;
import org.cardinal.detector.Target;
import org.cardinal.detector.TrainableDetector;
import org.cardinal.detector.data.DetectionSample;

/**
 * One data-parallel SGD iteration, the production step that the trainer and the benchmarks run.
 *
 * <p>One replica per device: the first uses the model's own parameters, every other one a copy
 * on its device (two replicas may share a device, which is how the CPU tests run two). The batch
 * is split in contiguous parts; each replica runs forward and backward on its part on its own
 * thread, its loss weighted by its share of the images. The summed gradients are those of the
 * whole batch when every image fills its anchor and RoI sampling quotas (the usual case; an image
 * with fewer candidates weighs its few samples more, as under PyTorch's DistributedDataParallel,
 * where each replica's losses are also means over its own samples). The gradients are then reduced onto the first replica, the
 * global norm clipped ({@code torch.nn.utils.clip_grad_norm_}), momentum SGD applied once, and the
 * result (with BatchNorm's running statistics) copied to every other replica, as
 * DistributedDataParallel does.
 *
 * <p>BatchNorm statistics are not synchronized across replicas (there is no SyncBatchNorm): with
 * trainable BatchNorm ({@code backbone_norm "batch"}) each replica normalizes with the statistics
 * of its own part of the batch, and the running statistics kept are those of the first replica's
 * part, so several replicas do not give the one-device step; {@link #notice()} says so. With
 * frozen BatchNorm (the detection default) they do.
 *
 * <p>Every image samples its anchors and RoIs from a seed derived from (run seed, iteration,
 * position in the batch): the same step on one replica or on several draws the same samples,
 * and a resumed run draws what the uninterrupted one would have.
 *
 * <p>Memory: each replica's work runs in its own {@link NDScope} and sub-manager; replica copies
 * are made once, here, and live until {@link #close()}; the momentum buffers are the optimizer's.
 *
 * <p>The benchmarks run this very class, so what they time is what training runs.
 */
public final class TrainingStep implements AutoCloseable {

    /**
     * What a step reports.
     *
     * @param losses each loss term, the image-weighted mean over replicas
     * @param deviceSeconds wall seconds of each replica's forward and backward
     */
    public record Result(Map<String, Double> losses, double[] deviceSeconds) {}

    /** A parameter the optimizer updates: its path, id and array on every replica. */
    private record Trainable(String name, Parameter parameter, NDArray[] replicas) {}

    private final TrainableDetector model;
    private final Device[] devices;
    private final MomentumSgd optimizer;
    private final double clipNorm;
    private final ParameterStore[] stores;
    private final List<Trainable> trainables = new ArrayList<>();
    /** Arrays copied from the first replica to the others after each update. */
    private final List<NDArray[]> broadcast = new ArrayList<>();

    private final NDManager replicaManager;
    private final ExecutorService workers;
    private volatile StageListener stages = StageListener.NONE;

    /**
     * @param model the detector, its parameters initialized on {@code devices[0]}
     * @param devices one replica per entry
     * @param optimizer the SGD (its learning rate follows the iteration {@link #run} sets)
     * @param clipNorm maximum global gradient L2 norm, 0 = no clipping
     */
    public TrainingStep(TrainableDetector model, Device[] devices, MomentumSgd optimizer, double clipNorm) {
        this.model = model;
        this.devices = devices.clone();
        this.optimizer = optimizer;
        this.clipNorm = clipNorm;
        this.stores = new ParameterStore[devices.length];
        NDManager paramsManager = null;
        for (Pair<String, Parameter> p : model.block().getParameters()) {
            paramsManager = p.getValue().getArray().getManager();
            break;
        }
        this.replicaManager = paramsManager == null ? null : paramsManager.newSubManager();
        stores[0] = new ParameterStore(replicaManager, false);
        List<Map<String, NDArray>> copies = new ArrayList<>();
        for (int d = 1; d < devices.length; d++) {
            copies.add(new LinkedHashMap<>());
        }
        for (Pair<String, Parameter> e : model.block().getParameters()) {
            Parameter p = e.getValue();
            NDArray[] arrays = new NDArray[devices.length];
            arrays[0] = p.getArray();
            for (int d = 1; d < devices.length; d++) {
                // A copy of a parameter that requires a gradient is part of its graph: detach it.
                // Each step differentiates fresh leaves over it (StepGradients).
                NDArray clone = p.getArray().toDevice(devices[d], true);
                NDArray copy = clone.stopGradient();
                clone.close();
                copy.attach(replicaManager);
                arrays[d] = copy;
                copies.get(d - 1).put(p.getId(), copy);
            }
            if (p.requiresGradient()) {
                optimizer.buffer(p.getId(), arrays[0]);
                trainables.add(new Trainable(e.getKey(), p, arrays));
                broadcast.add(arrays);
            } else if (p.getType() == Parameter.Type.RUNNING_MEAN || p.getType() == Parameter.Type.RUNNING_VAR) {
                broadcast.add(arrays);
            }
        }
        for (int d = 1; d < devices.length; d++) {
            stores[d] = new ReplicaStore(replicaManager, copies.get(d - 1));
        }
        workers = devices.length > 1
                ? Executors.newFixedThreadPool(devices.length, r -> {
                    Thread t = new Thread(r, "cardinal-replica");
                    t.setDaemon(true);
                    return t;
                })
                : null;
    }

    /**
     * @return a one-line notice when this step's replicas normalize with their own statistics
     *     (several replicas and a trainable BatchNorm in the model), else null
     */
    public String notice() {
        if (devices.length < 2 || !hasTrainableBatchNorm(model.block())) {
            return null;
        }
        return "notice: " + devices.length + " replicas with trainable BatchNorm: each normalizes with the"
                + " statistics of its own part of the batch and the running statistics kept are the first"
                + " replica's (BatchNorm is not synchronized across replicas), so a step is not the one-device"
                + " step on the whole batch; for that, train on one device or with \"backbone_norm\": \"frozen\"";
    }

    private static boolean hasTrainableBatchNorm(Block block) {
        if (block instanceof BatchNorm) {
            return true;
        }
        for (Pair<String, Block> child : block.getChildren()) {
            if (hasTrainableBatchNorm(child.getValue())) {
                return true;
            }
        }
        return false;
    }

    /** @param listener told about the "forward", "backward" and "update" stages */
    public void setStageListener(StageListener listener) {
        stages = listener;
        model.setStageListener(listener);
    }

    /** @return the parameter store of the first replica (for evaluation) */
    public ParameterStore store() {
        return stores[0];
    }

    /**
     * One iteration on a batch split evenly over the replicas.
     *
     * @param samples the batch
     * @param iteration the iteration (0-based) this step is
     * @param runSeed the run's seed
     * @param manager where this step's inputs are copied to the devices
     * @return the losses and the replicas' times
     * @throws NonFiniteLossException (before anything is updated) when a loss is NaN or infinite
     */
    public Result run(List<DetectionSample> samples, int iteration, long runSeed, NDManager manager) {
        int replicas = Math.min(devices.length, samples.size());
        int[] split = new int[replicas];
        for (int d = 0; d < replicas; d++) {
            split[d] = (d + 1) * samples.size() / replicas - d * samples.size() / replicas;
        }
        return run(samples, split, iteration, runSeed, manager);
    }

    /**
     * One iteration with an explicit split.
     *
     * @param samples the batch
     * @param split images per replica, in order (their sum is the batch size)
     * @param iteration the iteration (0-based) this step is
     * @param runSeed the run's seed
     * @param manager where this step's inputs are copied to the devices
     * @return the losses and the replicas' times
     */
    public Result run(List<DetectionSample> samples, int[] split, int iteration, long runSeed, NDManager manager) {
        optimizer.setIteration(iteration);
        long iterationSeed = Seeds.derive(runSeed, iteration);
        int total = samples.size();
        List<Part> parts = new ArrayList<>(split.length);
        int from = 0;
        for (int d = 0; d < split.length; d++) {
            parts.add(new Part(d, samples.subList(from, from + split[d]), from, iterationSeed, total));
            from += split[d];
        }
        if (from != total) {
            throw new IllegalArgumentException(
                    "split " + java.util.Arrays.toString(split) + " does not cover " + total + " images");
        }
        Map<String, Double> losses = new LinkedHashMap<>();
        double[] seconds = new double[split.length];
        List<StepGradients> grads = new ArrayList<>(split.length);
        try {
            for (int d = 0; d < split.length; d++) {
                grads.add(new StepGradients(stores[d], trainableArrays(d)));
            }
            // One collector for the whole step; backward from any thread only walks that thread's
            // graph. Autograd's, not DJL's, which allows one in the whole process at a time.
            try (GradientCollector collector = Autograd.record()) {
                List<PartResult> results = new ArrayList<>();
                if (parts.size() == 1) {
                    results.add(parts.get(0).run(collector, grads.get(0), manager));
                } else {
                    List<Future<PartResult>> futures = new ArrayList<>();
                    for (Part p : parts) {
                        futures.add(workers.submit(() -> p.run(collector, grads.get(p.replica), manager)));
                    }
                    results.addAll(awaitAll(futures));
                }
                for (PartResult r : results) {
                    seconds[r.replica()] = r.seconds();
                    r.losses().forEach((k, v) -> losses.merge(k, v, Double::sum));
                    if (r.nonFinite() != null) {
                        throw new NonFiniteLossException(
                                iteration + 1, r.nonFinite(), r.losses().get(r.nonFinite()));
                    }
                }
            }
            try (var s = stages.stage("update");
                    NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                update(grads, iteration);
            }
        } finally {
            grads.forEach(StepGradients::close);
        }
        return new Result(losses, seconds);
    }

    /** One replica's share of a step. */
    private final class Part {
        private final int replica;
        private final List<DetectionSample> samples;
        private final int offset;
        private final long iterationSeed;
        private final int total;

        Part(int replica, List<DetectionSample> samples, int offset, long iterationSeed, int total) {
            this.replica = replica;
            this.samples = samples;
            this.offset = offset;
            this.iterationSeed = iterationSeed;
            this.total = total;
        }

        PartResult run(GradientCollector collector, ParameterStore store, NDManager manager) {
            long t0 = System.nanoTime();
            Device device = devices[replica];
            Map<String, Double> values = new LinkedHashMap<>();
            String nonFinite = null;
            double weight = (double) samples.size() / total;
            // The NDScope also frees arrays that model code derives from parameters (attached to
            // their long-lived manager, e.g. a frozen BatchNorm's scale).
            try (NDScope arrays = new NDScope();
                    NDManager scope = manager.newSubManager(device)) {
                arrays.suppressNotUsedWarning();
                List<NDArray> images = new ArrayList<>(samples.size());
                List<Target> targets = new ArrayList<>(samples.size());
                for (int i = 0; i < samples.size(); i++) {
                    DetectionSample s = samples.get(i);
                    images.add(onDevice(s.image(), device, scope));
                    targets.add(new Target(
                            onDevice(s.boxes(), device, scope),
                            onDevice(s.labels(), device, scope),
                            Seeds.derive(iterationSeed, offset + i)));
                }
                NDArray sum = null;
                try (var s = stages.stage("forward")) {
                    Map<String, NDArray> losses = model.losses(store, images, targets);
                    for (Map.Entry<String, NDArray> e : losses.entrySet()) {
                        // deliberate host transfer: one scalar per loss term, for the log and the
                        // finiteness check before anything is updated
                        double v = e.getValue().toType(DataType.FLOAT64, false).getDouble();
                        values.put(e.getKey(), v * weight);
                        if (!Double.isFinite(v) && nonFinite == null) {
                            nonFinite = e.getKey();
                            values.put(e.getKey(), v);
                        }
                        sum = sum == null ? e.getValue() : sum.add(e.getValue());
                    }
                }
                if (sum == null) {
                    throw new IllegalStateException("the model returned no loss");
                }
                if (nonFinite == null) {
                    try (var s = stages.stage("backward")) {
                        collector.backward(weight == 1 ? sum : Scalars.mul(sum, weight));
                    }
                }
            }
            return new PartResult(replica, values, nonFinite, (System.nanoTime() - t0) / 1e9);
        }
    }

    private record PartResult(int replica, Map<String, Double> losses, String nonFinite, double seconds) {}

    /** Sums the replicas' gradients, clips the global norm, applies SGD once, copies it out. */
    private void update(List<StepGradients> replicaGrads, int iteration) {
        NDArray[] grads = new NDArray[trainables.size()];
        for (int i = 0; i < grads.length; i++) {
            String id = trainables.get(i).parameter().getId();
            grads[i] = replicaGrads.get(0).gradient(id);
            for (int d = 1; d < replicaGrads.size(); d++) {
                grads[i].addi(replicaGrads.get(d).gradient(id).toDevice(devices[0], false));
            }
        }
        double norm = globalNorm(grads);
        if (!Double.isFinite(norm)) {
            throw new NonFiniteLossException(iteration + 1, "gradient norm", norm);
        }
        double coef = clipNorm > 0 ? Math.min(1.0, clipNorm / (norm + 1e-6)) : 1.0;
        if (coef < 1.0) { // torch.nn.utils.clip_grad_norm_ over all gradients (L2), in place
            for (NDArray g : grads) {
                g.muli((float) coef);
            }
        }
        for (int i = 0; i < grads.length; i++) {
            Trainable t = trainables.get(i);
            optimizer.update(t.parameter().getId(), t.replicas()[0], grads[i]);
        }
        for (NDArray[] arrays : broadcast) {
            for (int d = 1; d < arrays.length; d++) {
                InPlace.copy(arrays[0], arrays[d]);
            }
        }
    }

    /** @return replica {@code d}'s trainable arrays by parameter id */
    private Map<String, NDArray> trainableArrays(int d) {
        return trainables.stream().collect(Collectors.toMap(t -> t.parameter().getId(), t -> t.replicas()[d]));
    }

    /** @return the L2 norm over all gradients (one host transfer: it decides every scale) */
    private static double globalNorm(NDArray[] grads) {
        NDArray sum = null;
        for (NDArray g : grads) {
            NDArray s;
            try (NDArray square = g.square()) { // freed at once: all squares together are a gradient's size
                s = square.sum();
            }
            sum = sum == null ? s : sum.add(s);
        }
        return sum == null ? 0 : Math.sqrt(sum.toType(DataType.FLOAT64, false).getDouble());
    }

    /** @return momentum buffers (first replica) by parameter path, for a checkpoint */
    Map<String, NDArray> momentumByName() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        Map<String, NDArray> buffers = optimizer.buffers(devices[0]);
        for (Trainable t : trainables) {
            out.put(t.name(), buffers.get(t.parameter().getId()));
        }
        return out;
    }

    /**
     * Copies a checkpoint's momentum buffers into the optimizer, and the model's (just loaded)
     * parameters into every replica.
     */
    void restore(Path checkpoint, NDManager host) throws IOException {
        try (NDManager scratch = host.newSubManager()) {
            Map<String, NDArray> saved = Checkpoint.readOptimizer(checkpoint, scratch);
            for (Trainable t : trainables) {
                NDArray buf = saved.get(t.name());
                if (buf == null) {
                    throw new IOException(
                            checkpoint.resolve(Checkpoint.OPTIMIZER) + ": momentum of " + t.name() + " is missing");
                }
                optimizer.setBuffer(t.parameter().getId(), t.replicas()[0], buf);
            }
        }
        for (Pair<String, Parameter> e : model.block().getParameters()) {
            for (int d = 1; d < devices.length; d++) {
                NDArray copy =
                        ((ReplicaStore) stores[d]).arrays.get(e.getValue().getId());
                InPlace.copy(e.getValue().getArray(), copy);
            }
        }
    }

    /** @return replica {@code d}'s array of a parameter (replica 0 is the model's own) */
    NDArray replicaArray(int d, Parameter p) {
        return d == 0 ? p.getArray() : ((ReplicaStore) stores[d]).arrays.get(p.getId());
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdownNow();
        }
        if (replicaManager != null) {
            replicaManager.close();
        }
    }

    private static NDArray onDevice(NDArray a, Device device, NDManager scope) {
        if (a.getDevice().equals(device)) {
            return a;
        }
        NDArray copy = a.toDevice(device, true);
        copy.attach(scope);
        return copy;
    }

    /**
     * Waits for every replica, even after one failed: the others still use the step's collector
     * and the replica arrays, which the caller frees once this throws.
     */
    private static List<PartResult> awaitAll(List<Future<PartResult>> futures) {
        List<PartResult> results = new ArrayList<>();
        RuntimeException failure = null;
        boolean interrupted = false;
        for (Future<PartResult> f : futures) {
            while (true) {
                try {
                    results.add(f.get());
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // keep waiting: returning now would free arrays in use
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException re
                                ? re
                                : new IllegalStateException(e.getCause());
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
        return results;
    }

    /** A replica's parameters: its own copy of every array, whatever device is asked. */
    private static final class ReplicaStore extends ParameterStore {
        private final Map<String, NDArray> arrays;

        ReplicaStore(NDManager manager, Map<String, NDArray> arrays) {
            super(manager, false);
            this.arrays = arrays;
        }

        @Override
        public NDArray getValue(Parameter parameter, Device device, boolean training) {
            if (parameter == null) {
                return null; // an absent optional parameter (a conv without bias), as DJL's store answers
            }
            NDArray a = arrays.get(parameter.getId());
            if (a == null) {
                throw new IllegalStateException("no replica of parameter " + parameter.getName());
            }
            return a;
        }
    }
}
