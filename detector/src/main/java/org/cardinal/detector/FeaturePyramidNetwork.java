package org.cardinal.detector;

import static org.cardinal.core.train.Temporaries.release;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.util.PairList;

/**
 * torchvision's {@code FeaturePyramidNetwork} with {@code LastLevelMaxPool} (Lin et al. 2017):
 * a 1x1 lateral conv per input level, a top-down path with nearest upsampling to the lateral's
 * size, a 3x3 output conv per level, and an extra level P6 = max-pool(kernel 1, stride 2) of the
 * top output.
 *
 * <p>Input: C2..C5 (or any list of NCHW maps, finest first). Output: P2..P5 then the pool level,
 * each with {@code outChannels} channels, named "0", "1", ..., "pool" as torchvision's dict keys.
 * Child names {@code inner_blocks.i.0} and {@code layer_blocks.i.0} equal torchvision's parameter
 * paths; weights are initialized as torchvision's (kaiming_uniform with a=1, bias 0).
 */
public final class FeaturePyramidNetwork extends AbstractBlock {

    private final int[] inChannels;
    private final int outChannels;
    private final ModuleList innerBlocks;
    private final ModuleList layerBlocks;

    /**
     * @param inChannels channels of each input level, finest first
     * @param outChannels channels of every output level
     */
    public FeaturePyramidNetwork(int[] inChannels, int outChannels) {
        this.inChannels = inChannels.clone();
        this.outChannels = outChannels;
        innerBlocks = addChildBlock("inner_blocks", ModuleList.parallel());
        layerBlocks = addChildBlock("layer_blocks", ModuleList.parallel());
        for (int c : inChannels) {
            innerBlocks.add(ModuleList.sequential(conv(c, outChannels, 1)));
            layerBlocks.add(ModuleList.sequential(conv(outChannels, outChannels, 3)));
        }
    }

    /** A conv with torchvision's FPN init: kaiming_uniform(a=1) = U(+-sqrt(3 / fan_in)), bias 0. */
    private static Conv2d conv(int in, int out, int k) {
        Conv2d c = Conv2d.builder()
                .setKernelShape(new Shape(k, k))
                .optPadding(new Shape(k / 2, k / 2))
                .setFilters(out)
                .build();
        c.setInitializer(new UniformInitializer((float) Math.sqrt(3.0 / (in * k * k))), Parameter.Type.WEIGHT);
        return c;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        int n = inChannels.length;
        if (inputs.size() < n) {
            throw new IllegalArgumentException("FPN expects " + n + " feature maps, found " + inputs.size());
        }
        NDArray[] results = new NDArray[n];
        NDArray lastInner = apply(innerBlocks, n - 1, ps, inputs.get(n - 1), training);
        results[n - 1] = apply(layerBlocks, n - 1, ps, lastInner, training);
        for (int i = n - 2; i >= 0; i--) {
            NDArray lateral = apply(innerBlocks, i, ps, inputs.get(i), training);
            NDArray topDown = upsampleNearest(
                    lastInner, lateral.getShape().get(2), lateral.getShape().get(3));
            // In place: a conv's output is not needed by its backward. Each intermediate is freed
            // once used (Temporaries); what backward needs, autograd keeps.
            NDArray merged = lateral.addi(topDown);
            if (topDown != lastInner) {
                topDown.close();
            }
            lastInner.close();
            lastInner = merged;
            results[i] = apply(layerBlocks, i, ps, lastInner, training);
        }
        lastInner.close();
        NDList out = new NDList(n + 1);
        for (int i = 0; i < n; i++) {
            results[i].setName(Integer.toString(i));
            out.add(results[i]);
        }
        // LastLevelMaxPool: max_pool2d(kernel 1, stride 2) is a strided subsample.
        NDArray pool = results[n - 1].get(new NDIndex(":, :, ::2, ::2"));
        pool.setName("pool");
        out.add(pool);
        return out;
    }

    private static NDArray apply(ModuleList list, int i, ParameterStore ps, NDArray x, boolean training) {
        return list.get(i).forward(ps, new NDList(x), training).singletonOrThrow();
    }

    /**
     * torch's {@code interpolate(mode="nearest", size=...)}: source index {@code min(floor(dst *
     * in / out), in - 1)} with the scale in float32.
     *
     * @param x (N, C, H, W)
     * @param outH target height
     * @param outW target width
     * @return (N, C, outH, outW)
     */
    static NDArray upsampleNearest(NDArray x, long outH, long outW) {
        NDArray y = x;
        NDArray rows = nearestIndex(x, (int) x.getShape().get(2), (int) outH);
        if (rows != null) {
            y = x.get(new NDIndex(":, :, {}, :", rows));
            rows.close();
        }
        NDArray cols = nearestIndex(x, (int) x.getShape().get(3), (int) outW);
        if (cols == null) {
            return y;
        }
        NDArray z = release(y, y.get(new NDIndex(":, :, :, {}", cols)), x);
        cols.close();
        return z;
    }

    private static NDArray nearestIndex(NDArray like, int in, int out) {
        if (in == out) {
            return null;
        }
        float scale = (float) in / (float) out;
        long[] idx = new long[out];
        for (int d = 0; d < out; d++) {
            idx[d] = Math.min((long) Math.floor(d * scale), in - 1);
        }
        // Host-built index table of a few hundred entries, copied once to the feature's device into
        // the engine's own memory, so that it may be closed as soon as used: autograd keeps it for
        // the backward pass, which a table over Java memory would not survive (Temporaries).
        try (NDArray java = like.getManager().create(idx);
                NDArray host = java.duplicate()) {
            return host.toDevice(like.getDevice(), true);
        }
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        Shape[] inner = new Shape[inChannels.length];
        Shape[] layer = new Shape[inChannels.length];
        for (int i = 0; i < inChannels.length; i++) {
            inner[i] = new Shape(1, inChannels[i], 8, 8);
            layer[i] = new Shape(1, outChannels, 8, 8);
        }
        innerBlocks.initialize(manager, dataType, inner);
        layerBlocks.initialize(manager, dataType, layer);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] out = new Shape[inChannels.length + 1];
        for (int i = 0; i < inChannels.length; i++) {
            Shape s = inputShapes[i];
            out[i] = new Shape(s.get(0), outChannels, s.get(2), s.get(3));
        }
        Shape top = out[inChannels.length - 1];
        out[inChannels.length] = new Shape(top.get(0), outChannels, (top.get(2) + 1) / 2, (top.get(3) + 1) / 2);
        return out;
    }

    /** @return channels of every output level */
    public int outChannels() {
        return outChannels;
    }
}
