package org.cardinal.detector.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * A batch of images of possibly different sizes with their targets, as the detector takes them:
 * a list of CHW images (the model's transform resizes and pads them), and per image the boxes
 * (N_i, 4) x1y1x2y2 and labels (N_i) 1..K.
 *
 * <p>The batch owns the {@link NDManager} its arrays live on; {@link #close()} frees them, so a
 * training step that closes its batch leaves no native memory behind.
 */
public final class DetectionBatch implements AutoCloseable {

    private final NDManager manager;
    private final List<DetectionSample> samples;
    private final long index;

    /**
     * @param manager owner of every array in {@code samples}
     * @param samples the images in batch order
     * @param index position of this batch in the loader's stream (the training iteration)
     */
    public DetectionBatch(NDManager manager, List<DetectionSample> samples, long index) {
        this.manager = manager;
        this.samples = List.copyOf(samples);
        this.index = index;
    }

    /** The samples in batch order. */
    public List<DetectionSample> samples() {
        return samples;
    }

    /** Number of images. */
    public int size() {
        return samples.size();
    }

    /** Position of this batch in its loader's stream (0-based; the iteration when training). */
    public long index() {
        return index;
    }

    /** The images (3, H_i, W_i). */
    public List<NDArray> images() {
        return samples.stream().map(DetectionSample::image).toList();
    }

    /** Boxes per image (N_i, 4). */
    public List<NDArray> boxes() {
        return samples.stream().map(DetectionSample::boxes).toList();
    }

    /** Labels per image (N_i). */
    public List<NDArray> labels() {
        return samples.stream().map(DetectionSample::labels).toList();
    }

    /** COCO image ids in batch order. */
    public long[] imageIds() {
        return samples.stream().mapToLong(DetectionSample::imageId).toArray();
    }

    /** The manager owning the arrays. */
    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
