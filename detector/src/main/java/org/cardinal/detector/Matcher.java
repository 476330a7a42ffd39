package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Assigns each prediction (anchor or proposal) the ground-truth box it overlaps most, as
 * torchvision's {@code models.detection._utils.Matcher}.
 *
 * <p>Given a match-quality matrix (M ground truths x N predictions, usually IoU), prediction n
 * gets the index of its best ground truth if that quality is {@code >= high}, {@link
 * #BETWEEN_THRESHOLDS} if it is in {@code [low, high)} and {@link #BELOW_LOW_THRESHOLD} if it is
 * {@code < low}. With {@code allowLowQualityMatches}, every prediction that ties for the highest
 * quality of some ground truth keeps its best match even below the thresholds (Faster R-CNN's
 * RPN rule; like torchvision this includes ground truths whose best quality is 0).
 */
public final class Matcher {

    /** Best quality below the low threshold. */
    public static final int BELOW_LOW_THRESHOLD = -1;

    /** Best quality in [low, high). */
    public static final int BETWEEN_THRESHOLDS = -2;

    private final float highThreshold;
    private final float lowThreshold;
    private final boolean allowLowQualityMatches;

    /**
     * @param highThreshold quality &gt;= this is a match
     * @param lowThreshold quality &lt; this is background; must be &lt;= highThreshold
     * @param allowLowQualityMatches keep each ground truth's best predictions as matches
     */
    public Matcher(float highThreshold, float lowThreshold, boolean allowLowQualityMatches) {
        if (lowThreshold > highThreshold) {
            throw new IllegalArgumentException(
                    "Matcher: lowThreshold " + lowThreshold + " must not exceed highThreshold " + highThreshold);
        }
        this.highThreshold = highThreshold;
        this.lowThreshold = lowThreshold;
        this.allowLowQualityMatches = allowLowQualityMatches;
    }

    /**
     * Matches predictions to ground truths.
     *
     * @param quality (M, N) match quality, M ground truths by N predictions
     * @return int64 (N): ground-truth index, or {@link #BELOW_LOW_THRESHOLD} / {@link
     *     #BETWEEN_THRESHOLDS}. With no ground truth (M = 0) every prediction is {@link
     *     #BELOW_LOW_THRESHOLD}: torchvision's matcher raises there and its callers label
     *     everything background, which this encodes.
     */
    public NDArray match(NDArray quality) {
        Shape s = quality.getShape();
        if (s.dimension() != 2) {
            throw new IllegalArgumentException("Matcher: quality must be (M ground truths, N predictions), got " + s);
        }
        NDManager manager = quality.getManager();
        long m = s.get(0);
        long n = s.get(1);
        if (m == 0 || n == 0) {
            return manager.full(new Shape(n), BELOW_LOW_THRESHOLD, DataType.INT64, quality.getDevice());
        }
        NDArray matchedVals = quality.max(new int[] {0});
        NDArray allMatches = quality.argMax(0).toType(DataType.INT64, false);
        NDArray below = matchedVals.lt(lowThreshold);
        NDArray between = matchedVals.gte(lowThreshold).logicalAnd(matchedVals.lt(highThreshold));
        // DJL's where does not broadcast: constants are materialised at full length.
        NDArray belowValue = allMatches.zerosLike().add(BELOW_LOW_THRESHOLD);
        NDArray betweenValue = allMatches.zerosLike().add(BETWEEN_THRESHOLDS);
        NDArray matches = NDArrays.where(below, belowValue, NDArrays.where(between, betweenValue, allMatches));
        if (allowLowQualityMatches) {
            NDArray highestPerGt = quality.max(new int[] {1}, true); // (M,1)
            NDArray isBest = quality.eq(highestPerGt)
                    .toType(DataType.INT32, false)
                    .max(new int[] {0})
                    .gt(0);
            matches = NDArrays.where(isBest, allMatches, matches);
        }
        return matches;
    }
}
