package org.cardinal.detector.data;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decodes batches on worker threads ahead of the consumer so the device is not idle while
 * images are read.
 *
 * <p>Batch {@code i} is built by one task; at most {@code prefetch} batches are decoded or
 * waiting at any time (a bounded queue of futures, consumed strictly in order), so the order and
 * content of batches is deterministic whatever the thread timing. Each batch owns a sub-manager
 * of the loader's manager: the consumer closes it after use. {@link #close()} stops the workers
 * and frees every batch not handed out.
 *
 * <p>Two modes: {@link #training} is an endless stream of shuffled, optionally flipped batches
 * (see {@link SampleOrder}) that can start at any iteration for resuming; {@link #inOrder} visits
 * every image once in dataset order without augmentation, for evaluation.
 */
public final class PrefetchingLoader implements AutoCloseable {

    private static final AtomicInteger POOL_COUNT = new AtomicInteger();

    private final CocoDetectionDataset dataset;
    private final NDManager manager;
    private final int batchSize;
    private final SampleOrder order; // null: in dataset order, one pass
    private final int prefetch;
    private final ExecutorService workers;
    private final Deque<Future<DetectionBatch>> pending = new ArrayDeque<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final long endBatch; // exclusive; Long.MAX_VALUE for training
    private long nextToSubmit;

    private PrefetchingLoader(
            CocoDetectionDataset dataset,
            NDManager parent,
            int batchSize,
            SampleOrder order,
            long startBatch,
            long endBatch,
            int numWorkers,
            int prefetch) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (numWorkers <= 0 || prefetch <= 0) {
            throw new IllegalArgumentException(
                    "num_workers and prefetch must be positive, got " + numWorkers + ", " + prefetch);
        }
        this.dataset = dataset;
        this.manager = parent.newSubManager();
        this.batchSize = batchSize;
        this.order = order;
        this.prefetch = prefetch;
        this.nextToSubmit = startBatch;
        this.endBatch = endBatch;
        int pool = POOL_COUNT.incrementAndGet();
        AtomicInteger threadCount = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(numWorkers, r -> {
            Thread t = new Thread(r, "cardinal-loader-" + pool + "-" + threadCount.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * An endless training stream starting at batch {@code startBatch} (the iteration to resume
     * from).
     *
     * @param dataset images and targets
     * @param parent manager whose sub-managers hold the batches (CPU)
     * @param batchSize images per batch
     * @param seed run seed (order and flips are functions of it)
     * @param flipProb horizontal flip probability
     * @param startBatch first batch index
     * @param numWorkers decoding threads
     * @param prefetch most batches decoded ahead
     * @return the loader
     */
    public static PrefetchingLoader training(
            CocoDetectionDataset dataset,
            NDManager parent,
            int batchSize,
            long seed,
            double flipProb,
            long startBatch,
            int numWorkers,
            int prefetch) {
        SampleOrder order = new SampleOrder(dataset.size(), seed, flipProb);
        return new PrefetchingLoader(
                dataset, parent, batchSize, order, startBatch, Long.MAX_VALUE, numWorkers, prefetch);
    }

    /**
     * One pass over every image in dataset order, no augmentation; the last batch may be
     * smaller.
     */
    public static PrefetchingLoader inOrder(
            CocoDetectionDataset dataset, NDManager parent, int batchSize, int numWorkers, int prefetch) {
        long batches = (dataset.size() + (long) batchSize - 1) / batchSize;
        return new PrefetchingLoader(dataset, parent, batchSize, null, 0, batches, numWorkers, prefetch);
    }

    /** Whether another batch follows (always true for a training stream). */
    public boolean hasNext() {
        return !pending.isEmpty() || nextToSubmit < endBatch;
    }

    /**
     * The next batch in order; the caller closes it.
     *
     * @throws IOException when an image of the batch cannot be read (file and image id named)
     */
    public DetectionBatch next() throws IOException {
        if (closed.get()) {
            throw new IllegalStateException("loader is closed");
        }
        while (pending.size() < prefetch && nextToSubmit < endBatch) {
            long b = nextToSubmit++;
            pending.add(workers.submit(() -> build(b)));
        }
        Future<DetectionBatch> head = pending.poll();
        if (head == null) {
            throw new java.util.NoSuchElementException("no more batches");
        }
        try {
            return head.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a batch", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
        }
    }

    private DetectionBatch build(long batch) throws IOException {
        NDManager batchManager = manager.newSubManager();
        try {
            List<DetectionSample> samples = new ArrayList<>(batchSize);
            long first = batch * batchSize;
            for (int k = 0; k < batchSize; k++) {
                long position = first + k;
                int index;
                boolean flip;
                if (order == null) {
                    if (position >= dataset.size()) {
                        break;
                    }
                    index = (int) position;
                    flip = false;
                } else {
                    index = order.indexAt(position);
                    flip = order.flipAt(position);
                }
                samples.add(dataset.sample(index, batchManager, flip));
            }
            DetectionBatch result = new DetectionBatch(batchManager, samples, batch);
            if (closed.get()) {
                // the loader was closed while this batch was decoding: nobody will take it
                result.close();
                return null;
            }
            return result;
        } catch (IOException | RuntimeException e) {
            batchManager.close();
            throw e;
        }
    }

    /** Stops the workers and frees every batch that was decoded but not handed out. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Future<DetectionBatch> f : pending) {
            f.cancel(false);
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(60, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        for (Future<DetectionBatch> f : pending) {
            if (f.isDone() && !f.isCancelled()) {
                try {
                    DetectionBatch b = f.get();
                    if (b != null) {
                        b.close();
                    }
                } catch (InterruptedException | ExecutionException ignored) {
                    // a failed or interrupted batch holds nothing: its manager was closed
                }
            }
        }
        pending.clear();
        manager.close();
    }

    /** Whether the worker threads have all ended (after {@link #close()}). */
    public boolean isTerminated() {
        return workers.isTerminated();
    }
}
