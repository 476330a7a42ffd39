package org.cardinal.backbone.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.cardinal.backbone.spi.FeatureExtractor;
import org.cardinal.core.train.Autograd;
import org.cardinal.core.train.MomentumSgd;
import org.cardinal.core.train.NonFiniteLossException;
import org.cardinal.core.train.StepGradients;

/**
 * One optimizer step of classifier pretraining on a batch already on the device, as torchvision's
 * reference recipe runs it: forward in training mode (BatchNorm on batch statistics),
 * cross-entropy, backward, then the SGD update. The gradients live only from backward to the update
 * ({@link StepGradients}). {@link
 * PretrainTrainer} runs it on every batch; a benchmark times exactly that.
 *
 * <p>Every array the step makes is freed when it returns. Two scalars come back to the host (the
 * step's only synchronisation): the loss, checked before the update applies its gradients, and the
 * number of top-1 hits.
 */
public final class PretrainStep {

    /** What one step reports: the batch's mean loss and how many rows had the label as top-1. */
    public record Outcome(double loss, long top1Hits) {}

    private PretrainStep() {}

    /**
     * @param net the classifier (its last output is the logits)
     * @param ps the parameter store of {@code net}
     * @param sgd the optimizer over {@code net}'s parameters
     * @param x (N, 3, S, S) float32 images on the device
     * @param y (N) int64 labels on the device
     * @param labelSmoothing eps of the cross-entropy
     * @param lr learning rate of this step
     * @throws NonFiniteLossException (step 0) when the loss is NaN or infinite; nothing is updated
     */
    public static Outcome run(
            FeatureExtractor net,
            ParameterStore ps,
            MomentumSgd sgd,
            NDArray x,
            NDArray y,
            float labelSmoothing,
            float lr) {
        try (StepGradients grads = new StepGradients(ps, sgd.trainable());
                NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray loss;
            NDArray hits;
            try (GradientCollector gc = Autograd.record()) {
                NDList out = net.forward(grads, new NDList(x), true);
                NDArray logits = out.get(out.size() - 1);
                loss = ClassificationLoss.crossEntropy(logits, y, labelSmoothing);
                gc.backward(loss);
                hits = ClassificationLoss.topKHits(logits.stopGradient(), y, 1);
            }
            double l = loss.getFloat();
            if (!Double.isFinite(l)) {
                throw new NonFiniteLossException(0, "loss", l);
            }
            sgd.step(lr, grads);
            return new Outcome(l, hits.getLong());
        }
    }
}
