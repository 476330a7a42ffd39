/**
 * Training a detector: run configs ({@code RunConfig}, {@code SolverConfig}, {@code DataConfig}),
 * one whole run from config to packaged model ({@code TrainingRun}), the training loop with
 * checkpoints, exact resume, evaluation and stop requests ({@code DetectorTrainer}), the
 * data-parallel SGD step that the trainer and the benchmarks run ({@code TrainingStep}), the
 * learning-rate schedule, listeners and the COCO evaluation on the val split.
 */
package org.cardinal.detector.train;
