package org.cardinal.backbone.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum and L2 weight decay, with PyTorch's {@code
 * torch.optim.SGD} semantics (dampening 0, no Nesterov): {@code d = g + wd * w; v = mu * v + d; w
 * -= lr * v}; the gradient is zeroed after the update.
 *
 * <p>DJL's {@code Sgd} keeps its momentum buffers private, so a checkpoint could not hold them and
 * a resumed run would restart momentum from zero. This optimizer exposes its buffers by parameter
 * name ({@link #state()}, {@link #loadState(Map)}) so resume is exact. The buffers live in their
 * own manager on the parameters' device; call {@link #step(float)} inside the training step's
 * {@code NDScope} so that the temporaries of the update are freed with the step.
 */
public final class MomentumSgd implements AutoCloseable {
    private final Map<String, Parameter> parameters;
    private final Map<String, NDArray> velocity = new LinkedHashMap<>();
    private final NDManager manager;
    private final float momentum;
    private final float weightDecay;

    /**
     * @param named parameters by name; only those that require a gradient are optimized
     * @param momentum momentum factor (0.9 in the paper)
     * @param weightDecay L2 penalty applied to every optimized parameter (1e-4 in the paper)
     * @param parent manager under which the momentum buffers are allocated
     */
    public MomentumSgd(Map<String, Parameter> named, float momentum, float weightDecay, NDManager parent) {
        this.parameters = new LinkedHashMap<>();
        this.manager = parent.newSubManager();
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            Parameter p = e.getValue();
            if (p.requiresGradient()) {
                NDArray w = p.getArray();
                parameters.put(e.getKey(), p);
                velocity.put(e.getKey(), manager.zeros(w.getShape(), w.getDataType(), w.getDevice()));
            }
        }
    }

    /** Applies one update with learning rate {@code lr} and zeroes the gradients. */
    public void step(float lr) {
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            NDArray w = e.getValue().getArray();
            NDArray g = w.getGradient();
            NDArray d = weightDecay == 0f ? g : g.add(w.mul(weightDecay));
            NDArray v = velocity.get(e.getKey());
            v.muli(momentum).addi(d);
            w.subi(v.mul(lr));
            // PyTorch accumulates gradients; zero in place for the next step.
            g.subi(g);
        }
    }

    /** The momentum buffers by parameter name (live arrays; copy them to keep a snapshot). */
    public Map<String, NDArray> state() {
        return Collections.unmodifiableMap(velocity);
    }

    /**
     * Restores momentum buffers saved by {@link #state()}.
     *
     * @throws IllegalArgumentException naming the parameter when one is missing or its shape differs
     */
    public void loadState(Map<String, NDArray> saved) {
        for (Map.Entry<String, NDArray> e : velocity.entrySet()) {
            NDArray src = saved.get(e.getKey());
            if (src == null) {
                throw new IllegalArgumentException("optimizer state has no momentum for parameter " + e.getKey());
            }
            if (!src.getShape().equals(e.getValue().getShape())) {
                throw new IllegalArgumentException("optimizer state for " + e.getKey() + ": expected shape "
                        + e.getValue().getShape() + ", found " + src.getShape());
            }
            e.getValue().set(src.toType(e.getValue().getDataType(), false).toFloatArray());
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
