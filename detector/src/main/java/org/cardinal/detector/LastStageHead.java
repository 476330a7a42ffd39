package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.cardinal.core.train.Temporaries;

/**
 * The box head of the paper's C4 detector (detectron2's {@code Res5ROIHeads}): the backbone's own
 * last stage (a ResNet's res5, layer4) applied to 14x14 RoI features, then global average pooling.
 *
 * <p>The stage is borrowed from {@link C4Backbone#body()} and is not a child here, so its
 * parameters keep their names in the body ({@code backbone.body.layer4.*}: an ImageNet checkpoint
 * fills them) and are owned, initialized and saved once. Input (R, next-to-last map's channels, S,
 * S); output (R, last map's channels).
 */
public final class LastStageHead extends AbstractBlock {

    private final Block stage;
    private final long outChannels;

    /**
     * @param stage the last stage of the backbone ({@link
     *     org.cardinal.backbone.spi.FeatureExtractor#stage(int)})
     * @param outChannels its output channels
     */
    public LastStageHead(Block stage, long outChannels) {
        this.stage = stage;
        this.outChannels = outChannels;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = stage.forward(ps, inputs, training, params).singletonOrThrow();
        Shape s = x.getShape();
        // Global average pooling (the engine's mean takes one axis at a time); the stage's output
        // and its flat view are freed once used (Temporaries).
        NDArray flat = Temporaries.release(x, x.reshape(s.get(0), s.get(1), -1), null);
        return new NDList(Temporaries.release(flat, flat.mean(new int[] {2}), null));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), outChannels)};
    }
}
