package org.cardinal.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Frees an intermediate array as soon as a forward pass has used it.
 *
 * <p>DJL frees an {@code NDArray} when it or its manager is closed, not when the last reference
 * goes as PyTorch does, so a forward pass that only drops its intermediates keeps every one of them
 * until the caller's manager closes: all activations of a network at once. Closing an intermediate
 * only drops this handle to the engine's tensor: what autograd saved for the backward pass stays
 * alive in the graph, so this is safe while recording too, and frees exactly what PyTorch would.
 *
 * <p>Only for arrays the engine computed (an operation's or a block's output). Never close early an
 * array built from Java data ({@code manager.create(...)}): its memory is a Java buffer that the
 * collector may reuse once the array is closed, while autograd may still read it in the backward
 * pass (an index table, for instance); leave those to their scope.
 */
public final class Temporaries {

    private Temporaries() {}

    /**
     * Closes {@code used}, the input of the step that produced {@code next}, unless it is the
     * caller's own input {@code keep} or that step returned it unchanged.
     *
     * @param used the array the step consumed
     * @param next what the step returned
     * @param keep the input of the whole computation, owned by the caller
     * @return {@code next}
     */
    public static NDArray release(NDArray used, NDArray next, NDArray keep) {
        if (used != keep && used != next) {
            used.close();
        }
        return next;
    }

    /**
     * {@link #release(NDArray, NDArray, NDArray)} for lists: closes each array of {@code used}
     * that is neither in {@code next} nor in {@code keep} (compared by identity).
     *
     * @param used the arrays the step consumed
     * @param next what the step returned
     * @param keep the input of the whole computation, owned by the caller
     * @return {@code next}
     */
    public static NDList release(NDList used, NDList next, NDList keep) {
        if (used == keep) {
            return next;
        }
        for (NDArray a : used) {
            if (!contains(next, a) && !contains(keep, a)) {
                a.close();
            }
        }
        return next;
    }

    /**
     * Runs work that autograd does not record (every array it reads is detached or needs no
     * gradient) in an {@code NDScope} of its own, and frees every array it made except those of
     * its result, which go to the enclosing scope as if made there. For the bookkeeping around a
     * forward pass (anchors, proposals, matching, sampling), whose intermediates would otherwise
     * all live until the step ends.
     *
     * @param <T> the result
     * @param work the work
     * @param kept the arrays of the result
     * @return the result
     */
    public static <T> T untracked(Supplier<T> work, Function<T, List<NDArray>> kept) {
        T result;
        List<NDArray> keep;
        try (NDScope scope = new NDScope()) {
            result = work.get();
            keep = List.copyOf(kept.apply(result));
            keep.forEach(NDScope::unregister);
        }
        keep.forEach(NDScope::register);
        return result;
    }

    private static boolean contains(NDList list, NDArray a) {
        for (NDArray b : list) {
            if (b == a) {
                return true;
            }
        }
        return false;
    }
}
