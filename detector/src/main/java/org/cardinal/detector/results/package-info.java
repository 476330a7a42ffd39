/**
 * A model's detections as COCO results, the same in every tool ({@code tools/predict},
 * {@code tools/evaluate}, {@code tools/spark-detect}): the image id a file gets
 * ({@link org.cardinal.detector.results.ImageIds}), one detection as a record
 * ({@link org.cardinal.detector.results.CocoDetection}, made by
 * {@link org.cardinal.detector.results.CocoCategories}) and the results file
 * ({@link org.cardinal.detector.results.CocoResultsWriter}).
 */
package org.cardinal.detector.results;
