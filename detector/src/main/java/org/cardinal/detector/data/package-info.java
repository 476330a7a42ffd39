/**
 * Detection data: COCO instances files read into contiguous labels ({@code CocoDetectionDataset}),
 * decoding and batching ahead of the trainer on worker threads ({@code PrefetchingLoader}), the
 * seeded data order and flips, and the embedded synthetic dataset ({@code SyntheticCocoGenerator},
 * {@code EmbeddedDataset}).
 */
package org.cardinal.detector.data;
