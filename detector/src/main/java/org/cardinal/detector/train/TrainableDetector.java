package org.cardinal.detector.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Map;

/**
 * What {@link DetectorTrainer} needs from a detector: its parameters (one DJL {@link Block}),
 * training losses, inference, and a way to reseed its internal sampling. {@link FasterRcnnDetector}
 * adapts {@code FasterRcnn}; tests may supply smaller models.
 *
 * <p>Conventions as {@code FasterRcnn}: images (3, H, W) float32 RGB in [0, 1], boxes (N, 4)
 * x1y1x2y2 pixels, labels (N) int64 1..K.
 */
public interface TrainableDetector {

    /** The root block holding every parameter (trained, frozen and running statistics). */
    Block block();

    /**
     * Reseeds every random draw inside the model (proposal/RoI sampling). The trainer calls it
     * at the start of each iteration with a seed derived from (run seed, iteration).
     */
    void setSeed(long seed);

    /**
     * Training losses of a batch; called inside a gradient collector.
     *
     * @return scalar losses by name; their sum is back-propagated
     */
    Map<String, NDArray> losses(
            ParameterStore parameterStore,
            List<NDArray> images,
            List<NDArray> boxes,
            List<NDArray> labels);

    /** Inference on a batch, copied to the host (a deliberate transfer: evaluation is on CPU). */
    List<ImageDetections> detect(ParameterStore parameterStore, List<NDArray> images);
}
