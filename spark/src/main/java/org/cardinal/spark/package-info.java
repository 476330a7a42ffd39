/**
 * Cardinal on Apache Spark: {@code tools/spark-detect} runs a model-zoo detector over a set of
 * images of any Hadoop file system and writes COCO results JSON, Parquet and, given a ground
 * truth, pycocotools-identical COCO numbers.
 *
 * <p>{@link org.cardinal.spark.SparkDetect} (the command line) drives a
 * {@link org.cardinal.spark.DetectionJob}: the driver lists the images
 * ({@link org.cardinal.spark.ImageListing}) and finds the model
 * ({@link org.cardinal.detector.zoo.ModelLocator}, as every tool does); each task runs
 * {@link org.cardinal.spark.PartitionDetector} with the model its JVM loaded once
 * ({@link org.cardinal.spark.ExecutorModels}) and, with a ground truth, evaluates each image where
 * it was detected; the driver writes the outputs and accumulates the evaluation.
 */
package org.cardinal.spark;
