package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import org.cardinal.core.train.Seeds;

/**
 * Ground truth of one training image, as torchvision's target dict {@code {"boxes", "labels"}},
 * with the seed of the image's anchor and RoI sampling.
 *
 * <p>The seed belongs to the image's slot in a step, not to the device: the trainer derives it from
 * (run seed, iteration, position in the batch), so a batch split over devices samples exactly what
 * the whole batch on one device does, and a resumed run samples what the uninterrupted one would
 * have. Callers that go through DJL's {@code Block.forward} get the position in the batch as the
 * seed, the same every call.
 *
 * @param boxes (N, 4) float32, x1, y1, x2, y2 in absolute pixels of the image as given to the
 *     model (before its own resize); N may be 0
 * @param labels (N) int64, contiguous class labels 1..K (0 is background and never a target)
 * @param samplingSeed seed of this image's anchor and RoI sampling
 */
public record Target(NDArray boxes, NDArray labels, long samplingSeed) {

    /** A target sampled with seed 0 (fine for one image; give each image its own in a batch). */
    public Target(NDArray boxes, NDArray labels) {
        this(boxes, labels, 0);
    }

    /**
     * @param resizedBoxes the boxes in another image size
     * @return this target with those boxes
     */
    public Target withBoxes(NDArray resizedBoxes) {
        return new Target(resizedBoxes, labels, samplingSeed);
    }

    /** @return the seed of the RPN's anchor sampling */
    public long rpnSamplingSeed() {
        return Seeds.derive(samplingSeed, 1);
    }

    /** @return the seed of the RoI heads' proposal sampling */
    public long roiSamplingSeed() {
        return Seeds.derive(samplingSeed, 2);
    }
}
