package org.cardinal.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Batch normalization with fixed statistics and affine, as torchvision's {@code
 * FrozenBatchNorm2d}: {@code y = x * scale + shift} with {@code scale = weight / sqrt(running_var +
 * 1e-5)} and {@code shift = bias - running_mean * scale}, per channel of an NCHW input.
 *
 * <p>Its four tensors are named as torchvision's ({@code weight}, {@code bias}, {@code
 * running_mean}, {@code running_var}) and never require gradients, in training or not: detection
 * batches are too small to estimate statistics, so the pretrained ones are kept.
 */
public class FrozenBatchNorm2d extends AbstractBlock {

    private final int channels;
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter runningMean;
    private final Parameter runningVar;

    /** A frozen normalization over {@code channels} channels, initialized to the identity. */
    public FrozenBatchNorm2d(int channels) {
        this.channels = channels;
        Shape shape = new Shape(channels);
        // GAMMA/BETA/RUNNING_* types carry DJL's ones/zeros initializers, and keep a caller's
        // setInitializer(..., Parameter.Type.WEIGHT) for convs from touching these tensors.
        weight = addParameter(param("weight", Parameter.Type.GAMMA, shape));
        bias = addParameter(param("bias", Parameter.Type.BETA, shape));
        runningMean = addParameter(param("running_mean", Parameter.Type.RUNNING_MEAN, shape));
        runningVar = addParameter(param("running_var", Parameter.Type.RUNNING_VAR, shape));
    }

    private static Parameter param(String name, Parameter.Type type, Shape shape) {
        return Parameter.builder()
                .setName(name)
                .setType(type)
                .optShape(shape)
                .optInitializer(type.getInitializer())
                .optRequiresGrad(false)
                .build();
    }

    /** Number of channels normalized. */
    public int channels() {
        return channels;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        var device = x.getDevice();
        NDArray w = ps.getValue(weight, device, false);
        NDArray b = ps.getValue(bias, device, false);
        NDArray mean = ps.getValue(runningMean, device, false);
        NDArray var = ps.getValue(runningVar, device, false);
        if (training) {
            // As torchvision: x * scale + shift. Autograd then saves only the small scale, where the
            // engine's batch norm would save its whole input (the conv's output) for backward.
            try (NDArray varEps = var.add(Norm.EPS);
                    NDArray std = varEps.sqrt();
                    NDArray scale = w.div(std);
                    NDArray meanScaled = mean.mul(scale);
                    NDArray shift = b.sub(meanScaled);
                    NDArray s4 = scale.reshape(1, channels, 1, 1);
                    NDArray b4 = shift.reshape(1, channels, 1, 1)) {
                return new NDList(x.mul(s4).addi(b4));
            }
        }
        // Inference records nothing, so one fused pass: the engine's batch norm in inference mode
        // computes exactly (x - mean) / sqrt(var + eps) * weight + bias = x * scale + shift.
        return x.getNDArrayInternal().batchNorm(x, mean, var, w, b, 1, Norm.DJL_MOMENTUM, Norm.EPS, false);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public void prepare(Shape[] inputShapes) {
        // Shapes are fixed by the channel count given at construction.
    }

    @Override
    public String toString() {
        return "FrozenBatchNorm2d(" + channels + ", eps=" + Norm.EPS + ")";
    }
}
