package org.cardinal.detector.train;

import java.util.Map;

/**
 * What one training iteration reports.
 *
 * @param iteration iterations done, 1-based (the first iteration reports 1)
 * @param maxIteration iterations of the whole run
 * @param losses each loss term by name (e.g. loss_objectness, loss_rpn_box_reg,
 *     loss_classifier, loss_box_reg), insertion-ordered
 * @param totalLoss their sum (the value back-propagated)
 * @param lr learning rate this iteration used
 * @param imagesPerSecond throughput of this run so far (images / wall seconds since start)
 * @param elapsedSeconds wall seconds since this (possibly resumed) run started
 * @param etaSeconds estimated wall seconds to the last iteration at the current speed
 * @param deviceSeconds wall seconds each device spent in this iteration's forward and backward
 *     (one entry per device; similar numbers mean the devices are equally busy)
 */
public record IterationMetrics(
        int iteration,
        int maxIteration,
        Map<String, Double> losses,
        double totalLoss,
        double lr,
        double imagesPerSecond,
        double elapsedSeconds,
        double etaSeconds,
        double[] deviceSeconds) {}
