package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import org.cardinal.core.train.Scalars;

/**
 * The three loss functions of Faster R-CNN with torch's reductions, so that loss values compare
 * one to one with torchvision's.
 */
public final class DetectionLosses {

    private DetectionLosses() {}

    /**
     * torch's {@code smooth_l1_loss(input, target, beta, reduction="sum")}: per element {@code 0.5
     * x^2 / beta} where {@code |x| < beta}, else {@code |x| - 0.5 beta}.
     *
     * @param input predictions, any shape
     * @param target same shape
     * @param beta transition point (torchvision uses 1/9)
     * @return scalar sum
     */
    public static NDArray smoothL1Sum(NDArray input, NDArray target, double beta) {
        NDArray n = input.sub(target).abs();
        NDArray quadratic = Scalars.mul(n.square(), 0.5 / beta);
        NDArray linear = n.sub(0.5 * beta);
        return NDArrays.where(n.lt(beta), quadratic, linear).sum();
    }

    /**
     * torch's {@code binary_cross_entropy_with_logits(x, z)} averaged, in the stable form {@code
     * max(x, 0) - x z + log(1 + exp(-|x|))}.
     *
     * @param logits (N)
     * @param targets (N) float in [0, 1]
     * @return scalar mean
     */
    public static NDArray binaryCrossEntropyWithLogits(NDArray logits, NDArray targets) {
        NDArray loss = Scalars.maximum(logits, 0)
                .sub(logits.mul(targets))
                .add(logits.abs().neg().exp().add(1f).log());
        return loss.mean();
    }

    /**
     * torch's {@code cross_entropy(logits, labels)} averaged over rows.
     *
     * @param logits (N, C)
     * @param labels (N) int64 in [0, C)
     * @return scalar mean
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray logp = logits.logSoftmax(1);
        NDArray picked = logp.gather(labels.reshape(-1, 1), 1);
        return picked.mean().neg();
    }
}
