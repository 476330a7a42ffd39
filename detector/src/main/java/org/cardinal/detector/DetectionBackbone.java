package org.cardinal.detector;

import ai.djl.nn.Block;
import java.util.List;

/**
 * The backbone of a {@link FasterRcnn}: a block that turns a normalized, padded batch (B, 3, H, W)
 * into named feature maps, as torchvision's detection backbones return an ordered dict. The RPN
 * runs on every map, in order; the RoI pooler picks its maps by name.
 *
 * <p>Implementations: {@link BackboneWithFpn} ("0".."3" and "pool") and {@link C4Backbone} ("0").
 * A user's own backbone implements this and is passed to {@link FasterRcnn.Builder#setBackbone}.
 */
public interface DetectionBackbone extends Block {

    /** @return the names of the output maps, in output order (each array is named so) */
    List<String> featureNames();

    /** @return channels of every output map */
    int outChannels();

    /**
     * @return the feature extractor inside (torchvision's {@code backbone.body}), which an
     *     ImageNet classifier checkpoint initializes
     */
    Block body();
}
