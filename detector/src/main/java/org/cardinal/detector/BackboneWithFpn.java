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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.backbone.spi.FeatureShape;
import org.cardinal.core.train.Temporaries;

/**
 * torchvision's {@code BackboneWithFPN} over any feature extractor: an FPN over its n output maps
 * plus a max-pool level.
 *
 * <p>Input: (B, 3, H, W) normalized, H and W multiples of the coarsest stride. Output: "0".."n-1"
 * at the body's strides and "pool" at twice the coarsest (a ResNet: P2..P5 and P6 at strides 4, 8,
 * 16, 32, 64), each (B, fpnChannels, H / stride, W / stride). Children {@code body} (without a
 * classifier) and {@code fpn}, as torchvision's parameter paths.
 */
public final class BackboneWithFpn extends AbstractBlock implements DetectionBackbone {

    private final FeatureExtractor body;
    private final FeaturePyramidNetwork fpn;
    private final List<FeatureShape> shapes;

    /**
     * @param body the feature extractor without its classifier (see {@link
     *     FasterRcnnFactory#body}); all its maps feed the pyramid
     * @param fpnChannels channels of every pyramid level
     */
    public BackboneWithFpn(FeatureExtractor body, int fpnChannels) {
        this.body = addChildBlock("body", body);
        List<FeatureShape> in = body.featureShapes();
        fpn = addChildBlock(
                "fpn",
                new FeaturePyramidNetwork(
                        in.stream().mapToInt(FeatureShape::channels).toArray(), fpnChannels));
        List<FeatureShape> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            out.add(new FeatureShape(String.valueOf(i), fpnChannels, in.get(i).stride()));
        }
        out.add(new FeatureShape("pool", fpnChannels, 2 * in.get(in.size() - 1).stride()));
        shapes = List.copyOf(out);
    }

    /** @return the feature extractor (child {@code body}) */
    @Override
    public FeatureExtractor body() {
        return body;
    }

    /** @return "0".."n-1" and "pool" (torchvision's keys), all with the FPN's channels */
    @Override
    public List<FeatureShape> outputShapes() {
        return shapes;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        int n = shapes.size() - 1;
        if (training) {
            // The body frees its own intermediates as it goes (Temporaries); its maps are the FPN's
            // inputs only: what backward needs of them, autograd keeps.
            NDList c = body.forward(ps, inputs, true, params);
            NDList out = fpn.forward(ps, new NDList(c.subList(0, n)), true, params);
            return Temporaries.release(c, out, inputs);
        }
        // Inference: DJL keeps every intermediate array until its manager closes, so run stage by
        // stage and free each stage's temporaries (full-size R50 on 2 images: ~12 GB -> ~3 GB),
        // whether or not the body frees its own. (Not in training: a scope would also close arrays
        // built over Java memory, such as index tables, that autograd keeps for backward.)
        NDList c = new NDList(n);
        NDArray x = inputs.singletonOrThrow();
        for (int i = 0; i < n; i++) {
            try (NDScope scope = new NDScope()) {
                x = body.stage(i).forward(ps, new NDList(x), false, params).singletonOrThrow();
                NDScope.unregister(x);
            }
            c.add(x);
        }
        NDList out;
        try (NDScope scope = new NDScope()) {
            out = fpn.forward(ps, c, false, params);
            NDScope.unregister(out);
        }
        return Temporaries.release(c, out, inputs);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        body.initialize(manager, dataType, new Shape(1, 3, 64, 64));
        Shape[] c = body.getOutputShapes(new Shape[] {new Shape(1, 3, 64, 64)});
        fpn.initialize(manager, dataType, Arrays.copyOf(c, this.shapes.size() - 1));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] c = body.getOutputShapes(inputShapes);
        return fpn.getOutputShapes(Arrays.copyOf(c, shapes.size() - 1));
    }
}
