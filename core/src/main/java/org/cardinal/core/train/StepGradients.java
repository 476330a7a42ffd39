package org.cardinal.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.HashMap;
import java.util.Map;

/**
 * The gradients of one training step, alive from its backward pass to its update only, as after
 * PyTorch's {@code optimizer.zero_grad(set_to_none=True)}.
 *
 * <p>A parameter's array keeps its {@code .grad} between steps, a whole copy of the model's
 * trainable weights, and DJL 0.36 can zero it but not drop it. So the model reads each trainable
 * array through this store as a fresh autograd leaf over the same storage: backward accumulates into
 * the leaf's gradient, the update writes the shared storage in place, and {@link #close()} frees the
 * leaves with their gradients. The next step's leaves start without one, so nothing needs zeroing.
 *
 * <p>Open it before the step's {@code NDScope}s (a scope closes the arrays created in it) and close
 * it after the update.
 */
public final class StepGradients extends ParameterStore implements AutoCloseable {

    private final ParameterStore base;
    private final Map<String, NDArray> leaves = new HashMap<>();

    /**
     * @param base the store that answers for every other parameter (running statistics, frozen
     *     weights)
     * @param trainable the arrays to differentiate, by parameter id
     */
    public StepGradients(ParameterStore base, Map<String, NDArray> trainable) {
        super(base.getManager(), false);
        this.base = base;
        for (Map.Entry<String, NDArray> e : trainable.entrySet()) {
            NDArray leaf = e.getValue().stopGradient(); // same storage, no history, no gradient
            leaf.setRequiresGradient(true);
            leaves.put(e.getKey(), leaf);
        }
    }

    @Override
    public NDArray getValue(Parameter parameter, Device device, boolean training) {
        NDArray leaf = parameter == null ? null : leaves.get(parameter.getId());
        return leaf != null ? leaf : base.getValue(parameter, device, training);
    }

    /**
     * @param id a parameter id given to the constructor
     * @return the gradient this step's backward passes left for it: zeros where it took no part
     */
    public NDArray gradient(String id) {
        NDArray leaf = leaves.get(id);
        if (leaf == null) {
            throw new IllegalArgumentException("no trainable parameter with id " + id + " in this step");
        }
        return leaf.getGradient();
    }

    /** Frees the leaves and their gradients. */
    @Override
    public void close() {
        leaves.values().forEach(NDArray::close);
        leaves.clear();
    }
}
