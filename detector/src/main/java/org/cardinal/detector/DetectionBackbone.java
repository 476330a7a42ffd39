package org.cardinal.detector;

import ai.djl.nn.Block;
import java.util.List;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.backbone.spi.FeatureShape;

/**
 * The backbone of a {@link FasterRcnn}: a block that turns a normalized, padded batch (B, 3, H, W)
 * into named feature maps, as torchvision's detection backbones return an ordered dict, and says
 * each map's channels and stride (detectron2's {@code output_shape()}). The RPN runs on every map,
 * in order; the RoI pooler picks its maps by name. {@link FasterRcnnFactory} builds the anchors,
 * the RPN and the RoI heads from {@link #outputShapes()} alone.
 *
 * <p>Implementations: {@link BackboneWithFpn} ("0".."n-1" and "pool") and {@link C4Backbone} ("0"),
 * over any {@link FeatureExtractor}. A user's own implements this and is passed to {@link
 * FasterRcnn.Builder#setBackbone}.
 *
 * <p>Memory: the maps its forward returns belong to the caller, which closes them when it has
 * used them ({@link FasterRcnn} does, after the RoI heads, in training too: closing an array drops
 * one handle, autograd keeps what backward needs). In inference they may lie outside the caller's
 * {@code NDScope}s, as the implementations here run each stage in a scope of its own.
 */
public interface DetectionBackbone extends Block {

    /** @return the output maps, in output order (each array is named so), with channels and stride */
    List<FeatureShape> outputShapes();

    /** @return the names of the output maps, in output order */
    default List<String> featureNames() {
        return outputShapes().stream().map(FeatureShape::name).toList();
    }

    /**
     * @return the feature extractor inside (torchvision's {@code backbone.body}), which an
     *     ImageNet classifier checkpoint initializes
     */
    FeatureExtractor body();
}
