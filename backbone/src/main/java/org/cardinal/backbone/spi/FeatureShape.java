package org.cardinal.backbone.spi;

/**
 * The shape of one output map of a backbone, as detectron2's {@code ShapeSpec}: its name, its
 * channels and its stride (input pixels per map cell). A detector builds its anchors, RPN and RoI
 * heads from these alone.
 *
 * @param name the map's name, e.g. {@code C4}
 * @param channels channels of the map
 * @param stride input pixels per map cell along each side, e.g. 16
 */
public record FeatureShape(String name, int channels, int stride) {

    /** Validates the fields. */
    public FeatureShape {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a feature map needs a name");
        }
        if (channels < 1 || stride < 1) {
            throw new IllegalArgumentException(
                    "feature map " + name + ": channels and stride must be >= 1, got " + channels + ", " + stride);
        }
    }
}
