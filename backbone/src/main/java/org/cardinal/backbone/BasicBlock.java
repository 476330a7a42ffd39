package org.cardinal.backbone;

/**
 * The residual unit of ResNet-18/34: {@code 3x3, planes (stride s) -> 3x3, planes}, expansion 1, as
 * torchvision's {@code BasicBlock}. Children: {@code conv1, bn1, conv2, bn2[, downsample]}.
 */
public class BasicBlock extends ResidualBlock {

    /**
     * @param inChannels channels of the input
     * @param planes channels of both 3x3 convs and of the output
     * @param stride stride of the first 3x3 conv and of the shortcut
     * @param norm normalization after each conv
     */
    public BasicBlock(int inChannels, int planes, int stride, Norm norm) {
        super(inChannels, planes, stride);
        addPair(KaimingConv.of(planes, 3, stride, 1, 1), norm.create(planes));
        addPair(KaimingConv.of(planes, 3, 1, 1, 1), norm.create(planes));
        addShortcut(norm);
    }
}
