package org.cardinal.backbone.spi;

import ai.djl.nn.AbstractBlock;

/**
 * Base of a {@link FeatureExtractor#stage stage} and of any other view: a block that owns no
 * parameters and runs blocks of its network, which the network initializes. A view counts as
 * initialized from the start, so DJL's training {@code forward} never initializes it. Were it to,
 * the replicas of a data-parallel step, which run the same blocks from several threads, could
 * initialize it at the same moment, and DJL's initialization is not thread-safe. The blocks a view
 * runs initialize as usual.
 */
public abstract class StageView extends AbstractBlock {

    /** @return true: a view has nothing of its own to initialize */
    @Override
    public final boolean isInitialized() {
        return true;
    }
}
