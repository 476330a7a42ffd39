package org.cardinal.backbone;

import static org.cardinal.core.train.Temporaries.release;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * A residual unit: a main path of conv-norm pairs ({@code conv1}, {@code bn1}, {@code conv2}, ...)
 * with ReLU between them, plus a shortcut that is the identity or a {@code downsample} (1x1 conv +
 * norm, named {@code 0} and {@code 1}) when the stride or channel count changes; ReLU follows the
 * addition (He et al. 2016, torchvision's layout).
 *
 * <p>Input and output are single NCHW float32 arrays. {@link BasicBlock} and {@link Bottleneck}
 * only decide the shapes of the pairs.
 *
 * <p>A strided shortcut takes every {@code stride}-th pixel of the input (a 1x1 average pooling
 * with that stride) and applies its 1x1 convolution with stride 1: the same products and sums as
 * torchvision's 1x1 convolution with that stride (and the same {@code downsample.0.weight}). Why:
 * libtorch 2.7.1's oneDNN divides by zero while choosing the kernel for the input gradient of a
 * strided 1x1 convolution with 512 to 1024 or 1024 to 2048 channels (the shortcuts of ResNet-50's
 * conv4 and conv5), and the process dies with SIGFPE at the first backward pass; the unstrided 1x1
 * convolution takes another kernel.
 */
public abstract class ResidualBlock extends AbstractBlock {

    private static final Shape ONE = new Shape(1, 1);
    private static final Shape ZERO = new Shape(0, 0);
    private final List<Block> convs = new ArrayList<>();
    private final List<Block> norms = new ArrayList<>();
    private IndexedSequential downsample;
    private final int inChannels;
    private final int outChannels;
    private final int stride;

    /**
     * @param inChannels channels of the input
     * @param outChannels channels of the output
     * @param stride spatial stride of the unit (1 or 2)
     */
    protected ResidualBlock(int inChannels, int outChannels, int stride) {
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.stride = stride;
    }

    /** Appends the next conv-norm pair of the main path as {@code conv<i>} and {@code bn<i>}. */
    protected final void addPair(Conv2d conv, Block norm) {
        int i = convs.size() + 1;
        convs.add(addChildBlock("conv" + i, conv));
        norms.add(addChildBlock("bn" + i, norm));
    }

    /** Adds the projection shortcut when the shape changes; call after the main path is built. */
    protected final void addShortcut(Norm norm) {
        if (stride != 1 || inChannels != outChannels) {
            downsample = new IndexedSequential();
            downsample.add(KaimingConv.of(outChannels, 1, 1, 0, 1)).add(norm.create(outChannels));
            addChildBlock("downsample", downsample);
        }
    }

    /** Channels of the input. */
    public int inChannels() {
        return inChannels;
    }

    /** Channels of the output. */
    public int outChannels() {
        return outChannels;
    }

    /** Spatial stride (2 in the first unit of conv3..conv5, else 1). */
    public int stride() {
        return stride;
    }

    /** The projection shortcut, or null for the identity. */
    public IndexedSequential downsample() {
        return downsample;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        // Each intermediate is freed once used (Temporaries): autograd keeps what backward reads
        // and frees the rest at once, as PyTorch does, instead of the caller's scope holding every
        // activation to its end.
        NDArray out = x;
        int last = convs.size() - 1;
        for (int i = 0; i <= last; i++) {
            out = release(
                    out,
                    convs.get(i).forward(ps, new NDList(out), training, params).singletonOrThrow(),
                    x);
            out = release(
                    out,
                    norms.get(i).forward(ps, new NDList(out), training, params).singletonOrThrow(),
                    x);
            if (i < last) {
                out = release(out, Activation.relu(out), x);
            }
        }
        NDArray identity = x;
        if (downsample != null) {
            NDArray in = stride == 1 ? x : Pool.avgPool2d(x, ONE, new Shape(stride, stride), ZERO, false, true);
            identity = downsample.forward(ps, new NDList(in), training, params).singletonOrThrow();
            if (in != x) {
                in.close();
            }
        }
        // Not in place: the engine's batch norm returns a view, and an in-place addition to a view
        // makes the backward pass clone the whole sum and zero-fill a second copy (CopySlices).
        NDArray sum = release(out, out.add(identity), x);
        if (identity != x) {
            identity.close();
        }
        return new NDList(release(sum, Activation.relu(sum), x));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape[] shapes = inputShapes;
        for (int i = 0; i < convs.size(); i++) {
            convs.get(i).initialize(manager, dataType, shapes);
            shapes = convs.get(i).getOutputShapes(shapes);
            norms.get(i).initialize(manager, dataType, shapes);
        }
        if (downsample != null) {
            downsample.initialize(manager, dataType, inputShapes);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        long h = KaimingConv.outSize(in.get(2), 1, stride, 0);
        long w = KaimingConv.outSize(in.get(3), 1, stride, 0);
        return new Shape[] {new Shape(in.get(0), outChannels, h, w)};
    }
}
