package org.cardinal.backbone.pretrain;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.cardinal.backbone.image.ImageDecoder;

/**
 * Decodes and augments images on worker threads and hands out batches as plain host arrays; the
 * training loop turns each into one tensor (one deliberate host-to-device copy per batch).
 *
 * <p>Every sample draws its augmentation from its own random source seeded by (seed, epoch, sample
 * index), so results do not depend on thread scheduling and an epoch resumed at batch {@code k}
 * sees exactly the images and crops it would have seen. A file that cannot be decoded is reported
 * once through the warning sink and skipped from then on (the batch is simply one image shorter);
 * a long run never stops for one bad JPEG.
 */
public final class ClassificationLoader implements AutoCloseable {

    /**
     * One batch on the host.
     *
     * @param pixels {@code count * 3 * size * size} normalized CHW floats (the array may be longer)
     * @param labels {@code count} class indices
     * @param count images in the batch (can be below the batch size when files were skipped)
     * @param size side length of each image
     */
    public record HostBatch(float[] pixels, long[] labels, int count, int size) {}

    private final ExecutorService pool;
    private final int prefetchBatches;
    private final Consumer<String> warnings;
    private final Set<Path> unreadable = ConcurrentHashMap.newKeySet();

    /**
     * @param workers decoding threads
     * @param prefetchBatches batches decoded ahead of the consumer
     * @param warnings receives one line per unreadable file, once per file
     */
    public ClassificationLoader(int workers, int prefetchBatches, Consumer<String> warnings) {
        if (workers < 1 || prefetchBatches < 1) {
            throw new IllegalArgumentException("workers and prefetch must be >= 1");
        }
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "image-loader-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = Executors.newFixedThreadPool(workers, tf);
        this.prefetchBatches = prefetchBatches;
        this.warnings = warnings;
    }

    /** Number of distinct files found unreadable so far. */
    public int unreadableCount() {
        return unreadable.size();
    }

    /**
     * Batches of one pass over {@code order}.
     *
     * @param order sample indices in visiting order (a permutation for training)
     * @param batchSize images per batch
     * @param dropLast drop a final incomplete batch (training: BatchNorm needs more than one image)
     * @param seed run seed
     * @param epoch epoch number, mixed into each sample's random source
     * @param startBatch first batch to produce (resume inside an epoch)
     */
    public Iterator<HostBatch> batches(
            ImageFolderDataset data,
            ClassificationTransform transform,
            int[] order,
            int batchSize,
            boolean dropLast,
            long seed,
            int epoch,
            int startBatch) {
        int total = numBatches(order.length, batchSize, dropLast);
        return new Iterator<>() {
            private final ArrayDeque<Pending> pending = new ArrayDeque<>();
            private int nextToSubmit = startBatch;

            {
                fill();
            }

            private void fill() {
                while (pending.size() < prefetchBatches && nextToSubmit < total) {
                    pending.add(submit(data, transform, order, batchSize, seed, epoch, nextToSubmit++));
                }
            }

            @Override
            public boolean hasNext() {
                return !pending.isEmpty();
            }

            @Override
            public HostBatch next() {
                if (pending.isEmpty()) {
                    throw new NoSuchElementException();
                }
                HostBatch b = pending.poll().collect();
                fill();
                return b;
            }
        };
    }

    /** Number of batches {@link #batches} yields for {@code n} samples. */
    public static int numBatches(int n, int batchSize, boolean dropLast) {
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    private Pending submit(
            ImageFolderDataset data,
            ClassificationTransform transform,
            int[] order,
            int batchSize,
            long seed,
            int epoch,
            int batch) {
        int from = batch * batchSize;
        int count = Math.min(batchSize, order.length - from);
        int per = 3 * transform.size() * transform.size();
        float[] pixels = new float[count * per];
        long[] labels = new long[count];
        @SuppressWarnings("unchecked")
        Future<Boolean>[] done = new Future[count];
        for (int k = 0; k < count; k++) {
            int slot = k;
            int index = order[from + k];
            labels[k] = data.label(index);
            done[k] = pool.submit(
                    () -> load(data.file(index), transform, sampleRandom(seed, epoch, index), pixels, slot * per));
        }
        return new Pending(pixels, labels, done, per, transform.size());
    }

    private boolean load(Path file, ClassificationTransform transform, SplittableRandom rng, float[] out, int offset) {
        if (unreadable.contains(file)) {
            return false;
        }
        BufferedImage image;
        try {
            image = ImageDecoder.read(file);
            transform.apply(image, rng, out, offset);
            return true;
        } catch (IOException | RuntimeException e) {
            // Report once: a corrupt file in a 1.28M-image set must not stop (or flood) a long run.
            if (unreadable.add(file)) {
                // the decoder's own message starts with the file
                warnings.accept(
                        "skipping unreadable image " + (e instanceof IOException ? "" : file + ": ") + e.getMessage());
            }
            return false;
        }
    }

    /** The random source of one sample in one epoch. */
    static SplittableRandom sampleRandom(long seed, int epoch, int index) {
        long s = seed * 0x9E3779B97F4A7C15L + epoch;
        s = s * 0xBF58476D1CE4E5B9L + index;
        return new SplittableRandom(s);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    private record Pending(float[] pixels, long[] labels, Future<Boolean>[] done, int per, int size) {
        HostBatch collect() {
            int kept = 0;
            for (int k = 0; k < done.length; k++) {
                boolean ok;
                try {
                    ok = done[k].get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while loading images", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("image loading failed", e.getCause());
                }
                if (ok) {
                    if (kept != k) { // close the gap left by a skipped file
                        System.arraycopy(pixels, k * per, pixels, kept * per, per);
                        labels[kept] = labels[k];
                    }
                    kept++;
                }
            }
            long[] l = kept == labels.length ? labels : java.util.Arrays.copyOf(labels, kept);
            return new HostBatch(pixels, l, kept, size);
        }
    }
}
