package org.cardinal.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SGD with momentum and weight decay, PyTorch's {@code torch.optim.SGD} update (dampening 0, no
 * Nesterov), which is what torchvision trains ResNets and detectron2 trains Faster R-CNN with:
 *
 * <pre>
 *   d = grad + weightDecay * w
 *   buf = momentum * buf + d          (buf starts at 0, so the first buf is d)
 *   w  -= lr * buf
 * </pre>
 *
 * <p>Why not DJL's {@code optimizer.Sgd}: its momentum buffers and its per-parameter update
 * counter are private, so a checkpoint could neither save nor restore them, and a resumed run
 * would restart the learning-rate schedule and the momentum from zero. DJL's update counter also
 * advances once per device in multi-device training, which moves the schedule D times too fast.
 * Here the buffers are readable and writable by key, and the learning rate is either given to
 * each step or read from a {@link Tracker} at the iteration the trainer sets.
 *
 * <p>Two ways to drive it:
 *
 * <ul>
 *   <li>As a DJL {@link Optimizer} ({@link #builder()}, e.g. behind a {@code ParameterServer}):
 *       buffers are keyed by parameter id and device, the learning rate comes from the tracker.
 *   <li>Over named parameters ({@link #forParameters}): buffers are keyed by parameter name and
 *       created at once, {@link #step} updates every parameter with a step's {@link
 *       StepGradients}, {@link #state()} and {@link #loadState(Map)} save and restore the buffers
 *       by name.
 * </ul>
 *
 * <p>Buffers live next to their weights, on the weights' device and manager; create them (for
 * instance with {@link #buffer}) outside a training step's {@code NDScope}, so that they outlive
 * the step. {@link #close()} frees them.
 */
public final class MomentumSgd extends Optimizer implements AutoCloseable {

    private final Tracker learningRate;
    private final float momentum;
    private final float weightDecay;
    private final Map<String, Map<Device, NDArray>> buffers = new ConcurrentHashMap<>();
    /** The parameters {@link #step} updates, by name (empty when driven by DJL). */
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();

    private volatile int iteration;

    private MomentumSgd(Builder b) {
        super(b);
        this.learningRate = b.tracker;
        this.momentum = b.momentum;
        this.weightDecay = b.weightDecay;
    }

    /** A builder; set a learning-rate tracker to use it as a DJL {@link Optimizer}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * An optimizer over named parameters, stepped with an explicit learning rate.
     *
     * @param named parameters by name; only those that require a gradient are optimized
     * @param momentum momentum factor (0.9 in the ResNet paper)
     * @param weightDecay L2 penalty applied to every optimized parameter (1e-4 in the paper)
     */
    public static MomentumSgd forParameters(Map<String, Parameter> named, float momentum, float weightDecay) {
        MomentumSgd sgd =
                builder().optMomentum(momentum).optWeightDecay(weightDecay).build();
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            Parameter p = e.getValue();
            if (p.requiresGradient()) {
                sgd.parameters.put(e.getKey(), p);
                sgd.buffer(e.getKey(), p.getArray());
            }
        }
        return sgd;
    }

    /** Sets the 0-based iteration whose learning rate the next updates use. */
    public void setIteration(int iteration) {
        this.iteration = iteration;
    }

    /**
     * The learning rate of the current iteration.
     *
     * @throws IllegalStateException when no tracker was set
     */
    public float learningRate() {
        if (learningRate == null) {
            throw new IllegalStateException("no learning rate tracker set");
        }
        return learningRate.getNewValue(iteration);
    }

    /**
     * Updates {@code weight} in place with {@code grad} at the tracker's learning rate. Must run
     * outside a gradient collector (PyTorch refuses in-place updates of leaf tensors while
     * recording).
     */
    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        update(parameterId, weight, grad, learningRate());
    }

    /**
     * Updates {@code weight} in place with {@code grad} at learning rate {@code lr}, through a
     * detached view of it (same storage, not recorded), so that it works on a thread whatever its
     * autograd mode ({@link Autograd}).
     */
    public void update(String key, NDArray weight, NDArray grad, float lr) {
        NDArray buf = buffer(key, weight);
        // At most one temporary for d (wd * w + grad, the same sum as grad + wd * w) and one for
        // lr * buf; the gradient itself is left as it is.
        try (NDArray w = weight.stopGradient()) {
            NDArray d = weightDecay == 0f ? grad : w.mul(weightDecay).addi(grad);
            NDArray direction = d;
            if (momentum != 0f) {
                buf.muli(momentum).addi(d);
                direction = buf;
            }
            try (NDArray step = direction.mul(lr)) {
                w.subi(step);
            }
            if (d != grad) {
                d.close();
            }
        }
    }

    /**
     * The arrays {@link #step} updates, by parameter id: what a step's {@link StepGradients}
     * differentiates.
     */
    public Map<String, NDArray> trainable() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Parameter p : parameters.values()) {
            out.put(p.getId(), p.getArray());
        }
        return out;
    }

    /**
     * Applies one update with learning rate {@code lr} to the parameters given to {@link
     * #forParameters}, with the gradients of the step's {@code gradients}.
     */
    public void step(float lr, StepGradients gradients) {
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            Parameter p = e.getValue();
            update(e.getKey(), p.getArray(), gradients.gradient(p.getId()), lr);
        }
    }

    /** The momentum buffer under {@code key} on the weight's device, created as zeros if absent. */
    public NDArray buffer(String key, NDArray weight) {
        return withDefaultState(buffers, key, weight.getDevice(), k -> weight.zerosLike());
    }

    /**
     * Replaces the momentum buffer under {@code key} on {@code weight}'s device with a copy of
     * {@code value} (used when resuming).
     *
     * @throws IllegalArgumentException when the shapes differ
     */
    public void setBuffer(String key, NDArray weight, NDArray value) {
        NDArray buf = buffer(key, weight);
        if (!buf.getShape().equals(value.getShape())) {
            throw new IllegalArgumentException(
                    "momentum buffer shape " + value.getShape() + " does not match parameter " + weight.getShape());
        }
        InPlace.copy(value, buf);
    }

    /**
     * The momentum buffers on {@code device} by key (insertion order). With several devices every
     * replica holds the same buffer, so one device describes the state.
     */
    public Map<String, NDArray> buffers(Device device) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Map<Device, NDArray>> e : buffers.entrySet()) {
            NDArray a = e.getValue().get(device);
            if (a != null) {
                out.put(e.getKey(), a);
            }
        }
        return out;
    }

    /**
     * The momentum buffers of the parameters given to {@link #forParameters}, by parameter name
     * (live arrays; copy them to keep a snapshot).
     */
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            out.put(e.getKey(), buffer(e.getKey(), e.getValue().getArray()));
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Restores momentum buffers saved from {@link #state()}.
     *
     * @throws IllegalArgumentException naming the parameter when one is missing or its shape differs
     */
    public void loadState(Map<String, NDArray> saved) {
        for (Map.Entry<String, NDArray> e : state().entrySet()) {
            NDArray src = saved.get(e.getKey());
            NDArray buf = e.getValue();
            if (src == null) {
                throw new IllegalArgumentException("optimizer state has no momentum for parameter " + e.getKey());
            }
            if (!src.getShape().equals(buf.getShape())) {
                throw new IllegalArgumentException("optimizer state for " + e.getKey() + ": expected shape "
                        + buf.getShape() + ", found " + src.getShape());
            }
            InPlace.copy(src, buf);
        }
    }

    /** Frees the momentum buffers. */
    @Override
    public void close() {
        for (Map<Device, NDArray> perDevice : buffers.values()) {
            perDevice.values().forEach(NDArray::close);
        }
        buffers.clear();
    }

    /** Builder of {@link MomentumSgd}. */
    public static final class Builder extends OptimizerBuilder<Builder> {
        private Tracker tracker;
        private float momentum = 0.9f;
        private float weightDecay;

        private Builder() {}

        @Override
        protected Builder self() {
            return this;
        }

        /** The learning-rate schedule, indexed by 0-based iteration. */
        public Builder setLearningRateTracker(Tracker t) {
            this.tracker = t;
            return this;
        }

        /** Momentum (0.9 by default). */
        public Builder optMomentum(float m) {
            this.momentum = m;
            return this;
        }

        /** L2 weight decay added to the gradient. */
        public Builder optWeightDecay(float wd) {
            this.weightDecay = wd;
            return this;
        }

        /** Builds the optimizer. */
        public MomentumSgd build() {
            return new MomentumSgd(this);
        }
    }
}
