package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.cardinal.backbone.BackboneConfig;
import org.cardinal.backbone.Norm;
import org.cardinal.backbone.ResNet;

/**
 * torchvision's {@code BackboneWithFPN} over a ResNet/ResNeXt body: frozen BatchNorm, the stem and
 * the lowest stages frozen ({@code trainable_backbone_layers}), FPN over C2..C5 plus a max-pool
 * level.
 *
 * <p>Input: (B, 3, H, W) normalized, H and W multiples of 32. Output: P2..P5 and the pool level
 * (strides 4, 8, 16, 32, 64), each (B, fpnChannels, H / stride, W / stride). Children {@code body}
 * (without {@code fc}) and {@code fpn}, as torchvision's parameter paths.
 */
public final class BackboneWithFpn extends AbstractBlock {

    private final ResNet body;
    private final FeaturePyramidNetwork fpn;

    /**
     * @param backbone the body's architecture
     * @param trainableLayers 0..5 stages that get gradients, counted from layer4 down (torchvision's
     *     {@code trainable_backbone_layers})
     * @param fpnChannels channels of every pyramid level
     */
    public BackboneWithFpn(BackboneConfig backbone, int trainableLayers, int fpnChannels) {
        body = addChildBlock("body", buildBody(backbone, trainableLayers));
        fpn = addChildBlock("fpn", new FeaturePyramidNetwork(backbone.stageChannels(), fpnChannels));
    }

    /**
     * The body with frozen BatchNorm and {@code 5 - trainableLayers} frozen stages (stem counts as
     * one), as torchvision's {@code _resnet_fpn_extractor}.
     */
    static ResNet buildBody(BackboneConfig backbone, int trainableLayers) {
        return ResNet.builder(backbone)
                .optNorm(Norm.FROZEN)
                .optFrozenStages(5 - trainableLayers)
                .optIncludeTop(false)
                .build();
    }

    /** @return the ResNet body (child {@code body}) */
    public ResNet body() {
        return body;
    }

    /** @return output channels of every level */
    public int outChannels() {
        return fpn.outChannels();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        if (training) {
            NDList c = body.forward(ps, inputs, true, params);
            return fpn.forward(ps, new NDList(c.get(0), c.get(1), c.get(2), c.get(3)), true, params);
        }
        // Inference: DJL keeps every intermediate array until its manager closes, so run stage by
        // stage and free each stage's temporaries (full-size R50 on 2 images: ~12 GB -> ~3 GB).
        NDList c = new NDList(4);
        NDArray x = inputs.singletonOrThrow();
        for (int i = 0; i <= 4; i++) {
            try (NDScope scope = new NDScope()) {
                Block stage = i == 0 ? body.stem() : body.layer(i);
                x = stage.forward(ps, new NDList(x), false, params).singletonOrThrow();
                NDScope.unregister(x);
            }
            if (i > 0) {
                c.add(x);
            }
        }
        try (NDScope scope = new NDScope()) {
            NDList out = fpn.forward(ps, c, false, params);
            NDScope.unregister(out);
            return out;
        }
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        body.initialize(manager, dataType, new Shape(1, 3, 64, 64));
        fpn.initialize(manager, dataType, body.getOutputShapes(new Shape[] {new Shape(1, 3, 64, 64)}));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return fpn.getOutputShapes(body.getOutputShapes(inputShapes));
    }
}
