package org.cardinal.backbone.spi;

import ai.djl.nn.Block;
import java.util.List;

/**
 * A backbone network built from a {@link BackboneSpec}: a DJL block from a normalized NCHW RGB
 * batch to named feature maps.
 *
 * <p>Contract: {@code forward} takes one array (B, 3, H, W) and returns one array per {@link
 * #featureShapes()} entry, in that order and named so, each (B, channels, about H / stride, about
 * W / stride); with the top built ({@link BuildOptions#includeTop()}) the classification logits (B,
 * numClasses) follow. Stages frozen by {@link BuildOptions#frozenStages()} get no gradient.
 *
 * <p>{@link #stage(int)} gives the same computation one output at a time, so a detector can run a
 * prefix of the network (C4 runs stages 0..n-2 and uses stage n-1 as its box head). A stage owns no
 * parameters of its own: they belong to this block, under the names a checkpoint of the network
 * uses.
 */
public interface FeatureExtractor extends Block {

    /** @return the architecture this network was built from */
    BackboneSpec spec();

    /** @return the output maps, in output order, strides increasing */
    default List<FeatureShape> featureShapes() {
        return spec().featureShapes();
    }

    /**
     * Stage {@code i}: a block from the input of output {@code i} (the image for {@code i == 0},
     * else output {@code i - 1}) to output {@code i}, applying the same freezing as {@code
     * forward}.
     *
     * @param i 0 .. {@code featureShapes().size() - 1}
     * @return the stage, a view over this block's parameters ({@link StageView})
     */
    Block stage(int i);
}
