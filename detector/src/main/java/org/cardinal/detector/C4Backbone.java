package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;
import org.cardinal.backbone.ResNet;

/**
 * The feature extractor of the paper's C4 detector (detectron2's R50-C4): stem and layer1..layer3
 * of a frozen-BatchNorm ResNet, giving C4 at stride 16. The whole ResNet (without {@code fc}) is
 * the child {@code body}, so an ImageNet checkpoint loads into {@code backbone.body.*} unchanged;
 * its layer4 is not run here but serves as the box head ({@link ResNetC5Head}).
 *
 * <p>Input: (B, 3, H, W) normalized. Output: one map (B, C4 channels, H / 16, W / 16) named "0".
 */
public final class C4Backbone extends AbstractBlock implements DetectionBackbone {

    private final ResNet body;

    /**
     * @param body the whole ResNet without its classifier (see {@link FasterRcnnFactory#body});
     *     this block runs its stem and layer1..layer3
     */
    public C4Backbone(ResNet body) {
        this.body = addChildBlock("body", body);
    }

    /** @return the ResNet body (its layer4 is the C4 detector's box head) */
    @Override
    public ResNet body() {
        return body;
    }

    /** @return channels of C4 */
    @Override
    public int outChannels() {
        return body.config().stageChannels()[2];
    }

    /** @return "0", the one map (C4) */
    @Override
    public List<String> featureNames() {
        return List.of("0");
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        for (int i = 0; i <= 3; i++) {
            Block stage = i == 0 ? body.stem() : body.layer(i);
            if (training) {
                x = stage.forward(ps, new NDList(x), true, params).singletonOrThrow();
                // Frozen stages get no gradient; cutting the graph there saves their backward.
                if (body.frozenStages() == i + 1) {
                    x = x.stopGradient();
                }
                continue;
            }
            // Inference: free each stage's temporaries (DJL keeps them until the scope closes).
            try (NDScope scope = new NDScope()) {
                x = stage.forward(ps, new NDList(x), false, params).singletonOrThrow();
                NDScope.unregister(x);
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
        return new Shape[] {body.getOutputShapes(inputShapes)[2]};
    }
}
