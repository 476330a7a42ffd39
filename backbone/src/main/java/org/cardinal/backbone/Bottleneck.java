package org.cardinal.backbone;

/**
 * The bottleneck unit of ResNet-50+ and ResNeXt (torchvision v1.5: the stride sits on the 3x3
 * conv): {@code 1x1, width -> 3x3, width, groups=C (stride s) -> 1x1, out}.
 *
 * <p>ResNeXt is this block with {@code cardinality} C > 1: the aggregated transformation of the
 * paper's form (c) is one grouped convolution of {@code width = floor(planes * d / 64) * C}
 * channels. ResNet is the special case C=1, d=64 (width = planes). Children: {@code conv1, bn1,
 * conv2, bn2, conv3, bn3[, downsample]}.
 */
public class Bottleneck extends ResidualBlock {

    private final int width;
    private final int cardinality;

    /**
     * @param inChannels channels of the input
     * @param width channels of the grouped 3x3 conv ({@link BackboneConfig#groupWidth(int)})
     * @param outChannels channels of the output (4 x planes)
     * @param stride stride of the 3x3 conv and of the shortcut
     * @param cardinality groups C of the 3x3 conv; must divide {@code width}
     * @param norm normalization after each conv
     */
    public Bottleneck(int inChannels, int width, int outChannels, int stride, int cardinality, Norm norm) {
        super(inChannels, outChannels, stride);
        if (width % cardinality != 0) {
            throw new IllegalArgumentException(
                    "bottleneck width " + width + " is not divisible by cardinality " + cardinality);
        }
        this.width = width;
        this.cardinality = cardinality;
        addPair(KaimingConv.of(width, 1, 1, 0, 1), norm.create(width));
        addPair(KaimingConv.of(width, 3, stride, 1, cardinality), norm.create(width));
        addPair(KaimingConv.of(outChannels, 1, 1, 0, 1), norm.create(outChannels));
        addShortcut(norm);
    }

    /** Channels of the grouped 3x3 conv. */
    public int width() {
        return width;
    }

    /** Groups of the 3x3 conv (C). */
    public int cardinality() {
        return cardinality;
    }
}
