package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.backbone.spi.FeatureShape;
import org.cardinal.core.train.Temporaries;

/**
 * The feature extractor of the paper's C4 detector (detectron2's R50-C4): every stage of a
 * (frozen-BatchNorm) feature extractor but the last, giving its next-to-last map (a ResNet: C4 at
 * stride 16). The whole extractor (without a classifier) is the child {@code body}, so an ImageNet
 * checkpoint loads into {@code backbone.body.*} unchanged; its last stage is not run here but
 * serves as the box head ({@link LastStageHead}).
 *
 * <p>Input: (B, 3, H, W) normalized. Output: one map named "0", (B, channels, H / stride, W /
 * stride) with the next-to-last map's channels and stride.
 */
public final class C4Backbone extends AbstractBlock implements DetectionBackbone {

    private final FeatureExtractor body;
    private final int stages;
    private final List<FeatureShape> shapes;

    /**
     * @param body the whole extractor without its classifier (see {@link FasterRcnnFactory#body}),
     *     with at least two output maps; this block runs all its stages but the last
     */
    public C4Backbone(FeatureExtractor body) {
        this.body = addChildBlock("body", body);
        List<FeatureShape> in = body.featureShapes();
        if (in.size() < 2) {
            throw new IllegalArgumentException("the c4 variant needs a backbone with at least two output maps (its"
                    + " last stage is the box head); " + body.spec().name() + " has " + in.size());
        }
        stages = in.size() - 1;
        FeatureShape c4 = in.get(stages - 1);
        shapes = List.of(new FeatureShape("0", c4.channels(), c4.stride()));
    }

    /** @return the extractor (its last stage is the C4 detector's box head) */
    @Override
    public FeatureExtractor body() {
        return body;
    }

    /** @return "0", the one map (a ResNet's C4) */
    @Override
    public List<FeatureShape> outputShapes() {
        return shapes;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray input = inputs.singletonOrThrow();
        NDArray x = input;
        for (int i = 0; i < stages; i++) {
            if (training) {
                // The stage cuts the gradient after the frozen stages itself; each stage's input is
                // freed once used (Temporaries).
                x = Temporaries.release(
                        x,
                        body.stage(i).forward(ps, new NDList(x), true, params).singletonOrThrow(),
                        input);
                continue;
            }
            // Inference: free each stage's temporaries (DJL keeps them until the scope closes).
            try (NDScope scope = new NDScope()) {
                NDArray next =
                        body.stage(i).forward(ps, new NDList(x), false, params).singletonOrThrow();
                NDScope.unregister(next);
                x = Temporaries.release(x, next, input);
            }
        }
        x.setName("0");
        return new NDList(x);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        body.initialize(manager, dataType, new Shape(1, 3, 64, 64));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {body.getOutputShapes(inputShapes)[stages - 1]};
    }
}
