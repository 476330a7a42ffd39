package org.cardinal.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with a constant that is safe to back-propagate through on the CPU.
 *
 * <p>DJL 0.36's {@code NDArray.mul(Number)}, {@code div(Number)}, {@code maximum(Number)} and
 * {@code minimum(Number)} wrap the constant in a tensor built over a Java direct buffer and close
 * it as soon as the operation returns. PyTorch's autograd keeps that tensor to compute the
 * gradient later (the gradient of {@code x / c} is {@code g / c}); on the CPU the tensor's memory
 * is the Java buffer, which the garbage collector may free and reuse before the backward pass
 * reads it. The gradient then silently uses whatever lies there: training differs from run to run
 * depending on when the collector ran, and can diverge. The constants made here are allocated by
 * the engine itself, so the graph keeps them alive as long as it needs them. Use these in every
 * computation that gradients flow through; the plain overloads are fine elsewhere, and so are
 * {@code add(Number)} and {@code sub(Number)}, whose backward passes do not read the constant.
 */
public final class Scalars {

    private Scalars() {}

    /**
     * @param x an array
     * @param value a constant
     * @return {@code x * value}
     */
    public static NDArray mul(NDArray x, double value) {
        return x.mul(constant(x, value));
    }

    /**
     * @param x an array
     * @param value a constant
     * @return {@code x / value}
     */
    public static NDArray div(NDArray x, double value) {
        return x.div(constant(x, value));
    }

    /**
     * @param x an array
     * @param value a constant
     * @return the element-wise {@code max(x, value)}
     */
    public static NDArray maximum(NDArray x, double value) {
        return x.maximum(constant(x, value));
    }

    /**
     * @param like gives the type and device
     * @param value the constant
     * @return a 0-d array holding {@code value}, allocated by the engine
     */
    private static NDArray constant(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, like.getDataType(), like.getDevice());
    }
}
