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
 * torchvision's {@code BackboneWithFPN} over a ResNet/ResNeXt body: FPN over C2..C5 plus a
 * max-pool level.
 *
 * <p>Input: (B, 3, H, W) normalized, H and W multiples of 32. Output: P2..P5 and the pool level
 * (strides 4, 8, 16, 32, 64), each (B, fpnChannels, H / stride, W / stride). Children {@code body}
 * (without {@code fc}) and {@code fpn}, as torchvision's parameter paths.
 */
public final class BackboneWithFpn extends AbstractBlock implements DetectionBackbone {

    private static final List<String> NAMES = List.of("0", "1", "2", "3", "pool");

    private final ResNet body;
    private final FeaturePyramidNetwork fpn;

    /**
     * @param body the ResNet body without its classifier (see {@link
     *     FasterRcnnFactory#body}); its C2..C5 feed the pyramid
     * @param fpnChannels channels of every pyramid level
     */
    public BackboneWithFpn(ResNet body, int fpnChannels) {
        this.body = addChildBlock("body", body);
        fpn = addChildBlock("fpn", new FeaturePyramidNetwork(body.config().stageChannels(), fpnChannels));
    }

    /** @return the ResNet body (child {@code body}) */
    @Override
    public ResNet body() {
        return body;
    }

    /** @return output channels of every level */
    @Override
    public int outChannels() {
        return fpn.outChannels();
    }

    /** @return "0".."3" (P2..P5) and "pool" (P6), torchvision's keys */
    @Override
    public List<String> featureNames() {
        return NAMES;
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
