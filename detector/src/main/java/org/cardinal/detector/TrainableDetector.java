package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Map;

/**
 * What the trainer needs from a detector: its parameters (one DJL {@link Block}), training losses
 * and inference. {@link FasterRcnn} is one; tests supply smaller models.
 *
 * <p>Conventions as {@link FasterRcnn}: images (3, H, W) float32 RGB in [0, 1], target boxes
 * (N, 4) x1y1x2y2 pixels, labels (N) int64 1..K. Every random draw of a training step comes from
 * the targets' sampling seeds, so the model holds no random state and several threads may run it
 * at once (each with its own parameter store).
 */
public interface TrainableDetector {

    /** @return the root block holding every parameter (trained, frozen and running statistics) */
    Block block();

    /**
     * Training losses of a batch; called inside a gradient collector.
     *
     * @param ps the parameter store to read parameters from
     * @param images the images
     * @param targets their ground truth and sampling seeds
     * @return scalar losses by name; their sum is back-propagated
     */
    Map<String, NDArray> losses(ParameterStore ps, List<NDArray> images, List<Target> targets);

    /**
     * Inference on a batch.
     *
     * @param ps the parameter store to read parameters from
     * @param images the images
     * @return per image detections in the given images' pixels
     */
    List<Detections> detect(ParameterStore ps, List<NDArray> images);

    /**
     * @param listener told when each stage of {@link #losses} and {@link #detect} starts and ends
     */
    default void setStageListener(StageListener listener) {}
}
