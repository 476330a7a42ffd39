package org.cardinal.detector.data;

import java.util.Random;

/**
 * The deterministic order in which a training run visits a dataset: an endless stream of
 * positions made of one shuffled pass over the dataset after the other (detectron2's
 * {@code TrainingSampler}), plus a flip decision per position.
 *
 * <p>Everything is a pure function of (seed, position), so batch {@code i} is the same whether
 * the run is uninterrupted or resumed at iteration {@code i}, and whatever the number of worker
 * threads: no sampler state has to be stored in a checkpoint.
 */
public final class SampleOrder {

    private final int size;
    private final long seed;
    private final double flipProb;
    private long cachedEpoch = -1;
    private int[] cachedPerm;

    /**
     * @param size dataset size (> 0)
     * @param seed run seed
     * @param flipProb probability of a horizontal flip per sample (0 disables flipping)
     */
    public SampleOrder(int size, long seed, double flipProb) {
        if (size <= 0) {
            throw new IllegalArgumentException("cannot sample from an empty dataset");
        }
        this.size = size;
        this.seed = seed;
        this.flipProb = flipProb;
    }

    /** Dataset index at stream position {@code position}. */
    public synchronized int indexAt(long position) {
        long epoch = position / size;
        if (epoch != cachedEpoch) {
            cachedPerm = permutation(epoch);
            cachedEpoch = epoch;
        }
        return cachedPerm[(int) (position % size)];
    }

    /** Whether the sample at stream position {@code position} is flipped. */
    public boolean flipAt(long position) {
        if (flipProb <= 0) {
            return false;
        }
        long bits = mix(seed ^ mix(position + 0x632BE59BD9B4E019L));
        double u = (bits >>> 11) * 0x1.0p-53;
        return u < flipProb;
    }

    private int[] permutation(long epoch) {
        int[] perm = new int[size];
        for (int i = 0; i < size; i++) {
            perm[i] = i;
        }
        Random r = new Random(mix(seed * 31 + epoch));
        for (int i = size - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return perm;
    }

    // SplitMix64 finalizer: decorrelates nearby (seed, position) pairs.
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
