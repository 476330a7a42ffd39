package org.cardinal.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * Copying values into an existing array, as PyTorch's {@code dst.copy_(src)}: on the engine, on
 * the destination's device, cast to its type.
 *
 * <p>Why not DJL's {@code NDArray.copyTo}: in DJL 0.36 it reads the source into a Java buffer and
 * hands that buffer to the destination, whose storage then becomes Java memory (a round trip
 * through the host for a GPU array, and a libtorch deprecation warning on the console). Here the
 * copy is one indexed assignment ({@code dst[...] = src}) into a detached view of the destination
 * (same storage, no gradient), as {@code with torch.no_grad(): dst.copy_(src)}: libtorch refuses an
 * in-place write into a parameter that requires a gradient whenever the calling thread has grad
 * mode on, which is the default on every thread DJL did not set up itself (a Spark executor's, a
 * web server's). Call it outside a gradient collector: it is not an operation to differentiate.
 */
public final class InPlace {

    private static final NDIndex ALL = new NDIndex("...");

    private InPlace() {}

    /**
     * @param src the values
     * @param dst the array that receives them, same shape
     * @throws IllegalArgumentException when the shapes differ
     */
    public static void copy(NDArray src, NDArray dst) {
        if (!src.getShape().equals(dst.getShape())) {
            throw new IllegalArgumentException(
                    "cannot copy an array of shape " + src.getShape() + " into one of shape " + dst.getShape());
        }
        NDArray moved = src.toDevice(dst.getDevice(), false);
        NDArray typed = moved.toType(dst.getDataType(), false);
        try (NDArray view = dst.stopGradient()) {
            view.set(ALL, typed);
        }
        if (typed != moved) {
            typed.close();
        }
        if (moved != src) {
            moved.close();
        }
    }
}
