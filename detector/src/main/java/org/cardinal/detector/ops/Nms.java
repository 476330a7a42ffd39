package org.cardinal.detector.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Greedy non-maximum suppression with torchvision's {@code ops.nms} / {@code ops.batched_nms}
 * semantics.
 *
 * <p>Boxes are (N, 4) x1, y1, x2, y2; a box is suppressed when its IoU with an already kept,
 * higher scoring box is strictly greater than the threshold. Results are int64 indices into the
 * input, in decreasing score order, on the input's device.
 */
public final class Nms {

    private Nms() {}

    /**
     * Non-maximum suppression over all boxes.
     *
     * @param boxes (N, 4)
     * @param scores (N)
     * @param iouThreshold boxes with IoU &gt; this are suppressed
     * @return int64 (K) kept indices, highest score first
     */
    public static NDArray nms(NDArray boxes, NDArray scores, double iouThreshold) {
        return suppress(boxes, scores, null, iouThreshold);
    }

    /**
     * Non-maximum suppression done independently per category (or level): boxes with different
     * {@code idxs} never suppress each other.
     *
     * <p>torchvision gets this by offsetting each category's boxes by {@code idx * (max + 1)} so
     * that they cannot overlap, then running plain NMS. Our greedy loop runs on the host anyway,
     * so it skips pairs of different categories directly: the same kept set as the offset trick,
     * without the float rounding the large offsets cause (torchvision's own CPU path for more than
     * 4000 boxes is also exact per category).
     *
     * @param boxes (N, 4)
     * @param scores (N)
     * @param idxs (N) integer category of each box
     * @param iouThreshold boxes with IoU &gt; this are suppressed
     * @return int64 (K) kept indices, highest score first
     */
    public static NDArray batchedNms(NDArray boxes, NDArray scores, NDArray idxs, double iouThreshold) {
        if (idxs.getShape().dimension() != 1 || idxs.size() != boxes.getShape().get(0)) {
            throw new IllegalArgumentException("batchedNms: idxs must have shape (N) matching boxes "
                    + boxes.getShape()
                    + ", got "
                    + idxs.getShape());
        }
        return suppress(boxes, scores, idxs, iouThreshold);
    }

    private static NDArray suppress(NDArray boxes, NDArray scores, NDArray idxs, double iouThreshold) {
        BoxOps.checkBoxes(boxes, "nms boxes");
        long n = boxes.getShape().get(0);
        if (scores.getShape().dimension() != 1 || scores.size() != n) {
            throw new IllegalArgumentException("nms: scores must have shape (N) matching boxes "
                    + boxes.getShape()
                    + ", got "
                    + scores.getShape());
        }
        NDManager manager = boxes.getManager();
        if (n == 0) {
            return manager.create(new long[0]).toDevice(boxes.getDevice(), false);
        }
        // Sort on the device, descending.
        NDArray order = scores.argSort(0, false).toType(DataType.INT64, false);
        NDArray sorted = boxes.get(order).toType(DataType.FLOAT32, false);
        // Deliberate host transfer: the greedy pass is sequential by nature. Like torchvision's
        // CUDA kernel, only the already sorted boxes (with their order and scores) leave the
        // device, and only the kept indices go back.
        float[] b = sorted.toFloatArray();
        long[] ord = order.toLongArray();
        float[] sortedScores = scores.get(order).toType(DataType.FLOAT32, false).toFloatArray();
        long[] sortedCls = idxs == null
                ? null
                : idxs.get(order).toType(DataType.INT64, false).toLongArray();
        int count = (int) n;
        int[] pos = stableTies(ord, sortedScores);
        float[] x1 = new float[count];
        float[] y1 = new float[count];
        float[] x2 = new float[count];
        float[] y2 = new float[count];
        float[] area = new float[count];
        long[] original = new long[count];
        long[] cls = idxs == null ? null : new long[count];
        for (int i = 0; i < count; i++) {
            int r = pos[i];
            x1[i] = b[4 * r];
            y1[i] = b[4 * r + 1];
            x2[i] = b[4 * r + 2];
            y2[i] = b[4 * r + 3];
            area[i] = (x2[i] - x1[i]) * (y2[i] - y1[i]);
            original[i] = ord[r];
            if (cls != null) {
                cls[i] = sortedCls[r];
            }
        }
        // next[i]: the following position of the same category, so each box is only compared
        // with its own category (for plain NMS everything is one category).
        int[] next = new int[count];
        Map<Long, Integer> following = new HashMap<>();
        for (int i = count - 1; i >= 0; i--) {
            Long c = cls == null ? 0L : cls[i];
            next[i] = following.getOrDefault(c, -1);
            following.put(c, i);
        }
        boolean[] suppressed = new boolean[count];
        long[] keep = new long[count];
        int kept = 0;
        for (int i = 0; i < count; i++) {
            if (suppressed[i]) {
                continue;
            }
            keep[kept++] = original[i];
            for (int j = next[i]; j >= 0; j = next[j]) {
                if (suppressed[j]) {
                    continue;
                }
                float w = Math.max(0f, Math.min(x2[i], x2[j]) - Math.max(x1[i], x1[j]));
                float h = Math.max(0f, Math.min(y2[i], y2[j]) - Math.max(y1[i], y1[j]));
                float inter = w * h;
                float ovr = inter / (area[i] + area[j] - inter);
                if (ovr > iouThreshold) {
                    suppressed[j] = true;
                }
            }
        }
        return manager.create(Arrays.copyOf(keep, kept)).toDevice(boxes.getDevice(), false);
    }

    /**
     * Positions into the descending order with equal scores ordered by input index: the device
     * sort is not stable, torchvision's is.
     */
    private static int[] stableTies(long[] order, float[] sortedScores) {
        int n = order.length;
        int[] pos = new int[n];
        for (int i = 0; i < n; i++) {
            pos[i] = i;
        }
        int start = 0;
        while (start < n) {
            int end = start + 1;
            while (end < n && Float.compare(sortedScores[end], sortedScores[start]) == 0) {
                end++;
            }
            if (end - start > 1) {
                Integer[] run = new Integer[end - start];
                for (int i = start; i < end; i++) {
                    run[i - start] = i;
                }
                Arrays.sort(run, (p, q) -> Long.compare(order[p], order[q]));
                for (int i = start; i < end; i++) {
                    pos[i] = run[i - start];
                }
            }
            start = end;
        }
        return pos;
    }
}
