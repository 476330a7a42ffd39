package org.cardinal.backbone;

import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;

/**
 * Normalization after each convolution of a backbone.
 *
 * <p>{@link #BATCH} is trainable batch normalization for pretraining; {@link #FROZEN} is the fixed
 * affine of {@link FrozenBatchNorm2d} used for detection, where batches are too small for batch
 * statistics. Both read and write the same four torchvision tensors (weight, bias, running_mean,
 * running_var), so weights move freely between the two.
 */
public enum Norm {
    /** {@code torch.nn.BatchNorm2d} semantics: momentum 0.1, eps 1e-5. */
    BATCH,
    /** {@code torchvision.ops.FrozenBatchNorm2d}: y = x * w / sqrt(var + 1e-5) + (b - mean * scale). */
    FROZEN;

    /** eps of torch.nn.BatchNorm2d and torchvision.ops.FrozenBatchNorm2d (both default to 1e-5). */
    public static final float EPS = 1e-5f;

    /**
     * torch's BatchNorm2d momentum 0.1 (running = 0.9 * running + 0.1 * batch). DJL's BatchNorm uses
     * the opposite convention (its PyTorch engine passes 1 - momentum to torch::batch_norm), so DJL
     * is given 0.9 to get torch's 0.1.
     */
    static final float DJL_MOMENTUM = 0.9f;

    /** A new normalization block over {@code channels} NCHW channels (axis 1). */
    public Block create(int channels) {
        if (this == FROZEN) {
            return new FrozenBatchNorm2d(channels);
        }
        return BatchNorm.builder()
                .optAxis(1)
                .optMomentum(DJL_MOMENTUM)
                .optEpsilon(EPS)
                .build();
    }
}
