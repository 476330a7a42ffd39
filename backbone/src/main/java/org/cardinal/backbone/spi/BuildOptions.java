package org.cardinal.backbone.spi;

import org.cardinal.backbone.Norm;

/**
 * How a {@link BackboneSpec} is built into a {@link FeatureExtractor}.
 *
 * @param norm the normalization after each convolution ({@link Norm#FROZEN} for a pretrained
 *     detection backbone, {@link Norm#BATCH} to train from scratch)
 * @param frozenStages how many stages, counted from the input, never get gradients: 0 none, 1 the
 *     stem (the layers before the first output's last stage, where the backbone has one), k the
 *     stem and the stages of the first k - 1 outputs; at most the number of outputs + 1
 * @param includeTop whether the extractor also returns classification logits (pretraining)
 */
public record BuildOptions(Norm norm, int frozenStages, boolean includeTop) {

    /** Validates the fields. */
    public BuildOptions {
        if (norm == null) {
            throw new IllegalArgumentException("norm must not be null");
        }
        if (frozenStages < 0) {
            throw new IllegalArgumentException("frozen stages must be >= 0, got " + frozenStages);
        }
    }

    /**
     * @param norm the normalization
     * @return a classifier to train from nothing: nothing frozen, the top included
     */
    public static BuildOptions classifier(Norm norm) {
        return new BuildOptions(norm, 0, true);
    }
}
