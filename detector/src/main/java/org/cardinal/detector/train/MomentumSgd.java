package org.cardinal.detector.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SGD with momentum and weight decay, PyTorch's {@code torch.optim.SGD} update (dampening 0, no
 * Nesterov), which is what torchvision and detectron2 train Faster R-CNN with:
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
 * Here the learning rate comes from the {@link Tracker} at the iteration the trainer sets, and
 * the buffers are readable and writable by parameter.
 *
 * <p>Buffers live next to their weights, on the weights' device and manager.
 */
public final class MomentumSgd extends Optimizer {

    private final Tracker learningRate;
    private final float momentum;
    private final float weightDecay;
    private final Map<String, Map<Device, NDArray>> buffers = new ConcurrentHashMap<>();
    private volatile int iteration;

    private MomentumSgd(Builder b) {
        super(b);
        this.learningRate = b.tracker;
        this.momentum = b.momentum;
        this.weightDecay = b.weightDecay;
    }

    /** A builder (the tracker is required). */
    public static Builder builder() {
        return new Builder();
    }

    /** Sets the 0-based iteration whose learning rate the next updates use. */
    public void setIteration(int iteration) {
        this.iteration = iteration;
    }

    /** The learning rate of the current iteration. */
    public float learningRate() {
        return learningRate.getNewValue(iteration);
    }

    /**
     * Updates {@code weight} in place with {@code grad}. Must run outside a gradient collector
     * (PyTorch refuses in-place updates of leaf tensors while recording).
     */
    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        float lr = learningRate();
        NDArray buf = buffer(parameterId, weight);
        try (NDArray decay = weight.mul(weightDecay);
                NDArray d = grad.add(decay)) {
            if (momentum != 0f) {
                buf.muli(momentum).addi(d);
                try (NDArray step = buf.mul(lr)) {
                    weight.subi(step);
                }
            } else {
                try (NDArray step = d.mul(lr)) {
                    weight.subi(step);
                }
            }
        }
    }

    /** The momentum buffer of a parameter on the weight's device, created as zeros if absent. */
    NDArray buffer(String parameterId, NDArray weight) {
        return withDefaultState(buffers, parameterId, weight.getDevice(), k -> weight.zerosLike());
    }

    /**
     * Replaces the momentum buffer of a parameter on {@code weight}'s device with a copy of
     * {@code value} (used when resuming).
     */
    void setBuffer(String parameterId, NDArray weight, NDArray value) {
        NDArray buf = buffer(parameterId, weight);
        if (!buf.getShape().equals(value.getShape())) {
            throw new IllegalArgumentException(
                    "momentum buffer shape " + value.getShape() + " does not match parameter "
                            + weight.getShape());
        }
        value.toDevice(buf.getDevice(), false).copyTo(buf);
    }

    /**
     * The momentum buffers on {@code device} by parameter id (insertion order). With several
     * devices every replica holds the same buffer, so one device describes the state.
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
            if (tracker == null) {
                throw new IllegalStateException("no learning rate tracker set");
            }
            return new MomentumSgd(this);
        }
    }
}
