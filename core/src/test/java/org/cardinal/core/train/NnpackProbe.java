package org.cardinal.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * A process for {@link NnpackTest}: with the argument {@code off} it calls {@link
 * Nnpack#offWhereUnsupported()} first; then it runs {@link #CONVOLUTIONS} batch-1 3x3
 * convolutions on a small map (work oneDNN leaves to the other back ends) and prints whether
 * NNPACK was turned off.
 */
final class NnpackProbe {

    static final int CONVOLUTIONS = 8;

    private NnpackProbe() {}

    public static void main(String[] args) {
        boolean off = args.length > 0 && args[0].equals("off") && Nnpack.offWhereUnsupported();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.ones(new Shape(1, 4, 8, 8));
            NDArray w = m.ones(new Shape(4, 4, 3, 3));
            for (int i = 0; i < CONVOLUTIONS; i++) {
                NDArray y = Conv2d.conv2d(x, w, null, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1)
                        .singletonOrThrow();
                if (y.getFloat(0, 0, 4, 4) != 36f) {
                    throw new AssertionError("wrong convolution: " + y.getFloat(0, 0, 4, 4));
                }
                y.close();
            }
        }
        System.out.println("turned off: " + off);
    }
}
