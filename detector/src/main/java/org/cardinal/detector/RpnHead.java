package org.cardinal.detector;

import static org.cardinal.core.train.Temporaries.release;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

/**
 * torchvision's {@code RPNHead}: a shared 3x3 conv + ReLU, then per location A objectness logits
 * and 4A box deltas, applied to every feature level. Weights N(0, 0.01), biases 0, as
 * torchvision. Children {@code conv.0.0}, {@code cls_logits}, {@code bbox_pred}.
 *
 * <p>Input: L maps (N, C, H_l, W_l). Output: the L objectness maps (N, A, H_l, W_l) followed by
 * the L delta maps (N, 4A, H_l, W_l).
 */
public final class RpnHead extends AbstractBlock {

    private final int inChannels;
    private final int numAnchors;
    private final ModuleList conv;
    private final Conv2d clsLogits;
    private final Conv2d bboxPred;

    /**
     * @param inChannels channels of every input level
     * @param numAnchors anchors per location A
     */
    public RpnHead(int inChannels, int numAnchors) {
        this.inChannels = inChannels;
        this.numAnchors = numAnchors;
        conv = addChildBlock("conv", ModuleList.sequential(ModuleList.sequential(conv(inChannels, 3))));
        clsLogits = addChildBlock("cls_logits", conv(numAnchors, 1));
        bboxPred = addChildBlock("bbox_pred", conv(4 * numAnchors, 1));
    }

    private static Conv2d conv(int out, int k) {
        Conv2d c = Conv2d.builder()
                .setKernelShape(new Shape(k, k))
                .optPadding(new Shape(k / 2, k / 2))
                .setFilters(out)
                .build();
        c.setInitializer(new NormalInitializer(0.01f), Parameter.Type.WEIGHT);
        return c;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        int levels = inputs.size();
        NDArray[] logits = new NDArray[levels];
        NDArray[] deltas = new NDArray[levels];
        for (int l = 0; l < levels; l++) {
            NDArray t = conv.forward(ps, new NDList(inputs.get(l)), training).singletonOrThrow();
            t = release(t, Activation.relu(t), null);
            logits[l] = clsLogits.forward(ps, new NDList(t), training).singletonOrThrow();
            deltas[l] = bboxPred.forward(ps, new NDList(t), training).singletonOrThrow();
            t.close(); // what backward needs of it, autograd keeps (Temporaries)
        }
        NDList out = new NDList(2 * levels);
        out.addAll(new NDList(logits));
        out.addAll(new NDList(deltas));
        return out;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        Shape s = new Shape(1, inChannels, 8, 8);
        conv.initialize(manager, dataType, s);
        clsLogits.initialize(manager, dataType, s);
        bboxPred.initialize(manager, dataType, s);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] out = new Shape[2 * inputShapes.length];
        for (int l = 0; l < inputShapes.length; l++) {
            Shape s = inputShapes[l];
            out[l] = new Shape(s.get(0), numAnchors, s.get(2), s.get(3));
            out[inputShapes.length + l] = new Shape(s.get(0), 4L * numAnchors, s.get(2), s.get(3));
        }
        return out;
    }
}
