package org.cardinal.backbone.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import org.cardinal.core.train.Scalars;

/**
 * Softmax cross-entropy with optional label smoothing, as {@code torch.nn.CrossEntropyLoss(
 * label_smoothing=eps)}: the target puts {@code 1 - eps + eps/K} on the true class and {@code eps/K}
 * on every other class; the loss is the batch mean. Also counts top-k hits for accuracy.
 */
public final class ClassificationLoss {
    private ClassificationLoss() {}

    /**
     * @param logits (N, K) float32
     * @param labels (N) int64 class indices in [0, K)
     * @param labelSmoothing eps in [0, 1)
     * @return scalar mean loss
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels, float labelSmoothing) {
        int k = (int) logits.getShape().get(1);
        NDArray logp = logits.logSoftmax(1);
        NDArray nll =
                logp.mul(labels.oneHot(k, DataType.FLOAT32)).sum(new int[] {1}).neg();
        if (labelSmoothing == 0f) {
            return nll.mean();
        }
        // (1 - eps) * nll + eps * (mean over classes of -log p) equals the smoothed-target loss.
        NDArray uniform = logp.mean(new int[] {1}).neg();
        return Scalars.mul(nll, 1 - labelSmoothing)
                .add(Scalars.mul(uniform, labelSmoothing))
                .mean();
    }

    /**
     * Number of rows whose label is among the {@code k} largest logits (stays on the device; the
     * caller reads it back once per step or per evaluation).
     *
     * @return scalar int64 count
     */
    public static NDArray topKHits(NDArray logits, NDArray labels, int k) {
        int kk = (int) Math.min(k, logits.getShape().get(1));
        NDList top = logits.topK(kk, 1, true, false);
        NDArray idx = top.get(1);
        return idx.eq(labels.reshape(-1, 1).toType(idx.getDataType(), false))
                .toType(DataType.INT64, false)
                .sum();
    }
}
