package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The box head of the paper's C4 detector (detectron2's {@code Res5ROIHeads}): the ResNet's own
 * res5 stage (layer4, stride 2) applied to 14x14 RoI features, then global average pooling.
 *
 * <p>The layer is borrowed from {@link C4Backbone#body()} and is not a child here, so its
 * parameters keep the names {@code backbone.body.layer4.*} (an ImageNet checkpoint fills them) and
 * are owned, initialized and saved once. Input (R, C4 channels, 14, 14); output (R, C5 channels).
 */
public final class ResNetC5Head extends AbstractBlock {

    private final Block layer4;
    private final long outChannels;

    /**
     * @param layer4 the res5 stage of the backbone
     * @param outChannels its output channels
     */
    public ResNetC5Head(Block layer4, long outChannels) {
        this.layer4 = layer4;
        this.outChannels = outChannels;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = layer4.forward(ps, inputs, training, params).singletonOrThrow();
        Shape s = x.getShape();
        // Global average pooling (the engine's mean takes one axis at a time).
        return new NDList(x.reshape(s.get(0), s.get(1), -1).mean(new int[] {2}));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), outChannels)};
    }
}
