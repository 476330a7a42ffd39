package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Picks a fixed-size, class-balanced subset of labelled anchors or proposals for the loss, as
 * torchvision's {@code BalancedPositiveNegativeSampler}.
 *
 * <p>Per image: at most {@code floor(batchSizePerImage * positiveFraction)} positives (label
 * {@code >= 1}), then negatives (label 0) to fill up to {@code batchSizePerImage}, each drawn
 * uniformly without replacement; label -1 (and -2) is never sampled. Each call draws from its own
 * {@link Random} seeded by the caller, so an image is sampled the same way whatever batch it is in
 * and whichever thread runs it: runs are reproducible, resumable and split across devices alike.
 */
public final class BalancedPositiveNegativeSampler {

    private final int batchSizePerImage;
    private final double positiveFraction;

    /**
     * @param batchSizePerImage number of elements sampled per image (256 for the RPN, 512 for
     *     the RoI heads)
     * @param positiveFraction the largest share of positives (0.5 RPN, 0.25 RoI heads)
     */
    public BalancedPositiveNegativeSampler(int batchSizePerImage, double positiveFraction) {
        if (batchSizePerImage < 0 || positiveFraction < 0 || positiveFraction > 1) {
            throw new IllegalArgumentException("BalancedPositiveNegativeSampler: need batchSizePerImage >= 0 and"
                    + " positiveFraction in [0, 1], got "
                    + batchSizePerImage
                    + ", "
                    + positiveFraction);
        }
        this.batchSizePerImage = batchSizePerImage;
        this.positiveFraction = positiveFraction;
    }

    /**
     * Samples one image.
     *
     * @param labels (N) integer labels: -1 ignore, 0 negative, &gt;= 1 positive
     * @param seed seed of this image's draw
     * @return two boolean (N) masks: [positive, negative]
     */
    public NDList sample(NDArray labels, long seed) {
        Shape s = labels.getShape();
        if (s.dimension() != 1) {
            throw new IllegalArgumentException("BalancedPositiveNegativeSampler: labels must be (N), got " + s);
        }
        NDArray positive = labels.gte(1).nonzero().reshape(-1);
        NDArray negative = labels.eq(0).nonzero().reshape(-1);
        // The counts are known from the result shapes; nonzero already synchronised.
        int numPositive = (int) positive.size();
        int numNegative = (int) negative.size();
        int numPos = Math.min(numPositive, (int) (batchSizePerImage * positiveFraction));
        int numNeg = Math.min(numNegative, batchSizePerImage - numPos);
        Random random = new Random(seed);
        NDArray posMask = mask(labels, positive, pick(random, numPositive, numPos));
        NDArray negMask = mask(labels, negative, pick(random, numNegative, numNeg));
        return new NDList(posMask, negMask);
    }

    private static long[] pick(Random random, int n, int k) {
        // Partial Fisher-Yates over a virtual identity array: O(k) time and memory even when
        // n is the number of anchors; gives the first k of a uniform random permutation.
        Map<Integer, Integer> swapped = new HashMap<>();
        long[] out = new long[k];
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(n - i);
            int atJ = swapped.getOrDefault(j, j);
            int atI = swapped.getOrDefault(i, i);
            swapped.put(j, atI);
            out[i] = atJ;
        }
        return out;
    }

    private static NDArray mask(NDArray labels, NDArray candidates, long[] chosen) {
        NDManager manager = labels.getManager();
        NDArray result = manager.zeros(labels.getShape(), DataType.BOOLEAN, labels.getDevice());
        if (chosen.length == 0) {
            return result;
        }
        // Host-to-device transfer of at most batchSizePerImage indices.
        NDArray which = manager.create(chosen).toDevice(labels.getDevice(), false);
        NDArray index = candidates.get(which).toType(DataType.INT64, false);
        NDArray ones = manager.ones(new Shape(chosen.length), DataType.BOOLEAN, labels.getDevice());
        return result.put(index, ones);
    }
}
