package org.cardinal.backbone;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.initializer.NormalInitializer;

/**
 * Bias-free 2-D convolutions initialized as torchvision's ResNet does: {@code
 * kaiming_normal_(mode="fan_out", nonlinearity="relu")}, i.e. N(0, sqrt(2 / fan_out)) with {@code
 * fan_out = out_channels * k * k} (torch does not divide by the groups).
 */
final class KaimingConv {

    private KaimingConv() {}

    /** A k x k convolution to {@code out} channels with the given stride, padding and groups. */
    static Conv2d of(int out, int kernel, int stride, int padding, int groups) {
        Conv2d conv = Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding))
                .setFilters(out)
                .optGroups(groups)
                .optBias(false)
                .build();
        float std = (float) Math.sqrt(2.0 / ((double) out * kernel * kernel));
        conv.setInitializer(new NormalInitializer(std), Parameter.Type.WEIGHT);
        return conv;
    }

    /** Output size of a convolution or pooling along one axis (floor mode, dilation 1). */
    static long outSize(long in, int kernel, int stride, int padding) {
        return (in + 2L * padding - kernel) / stride + 1;
    }
}
