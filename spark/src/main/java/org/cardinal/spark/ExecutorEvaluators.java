package org.cardinal.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.broadcast.Broadcast;
import org.cardinal.coco.CocoEvalParams;
import org.cardinal.coco.CocoGroundTruth;
import org.cardinal.coco.PerImageEvaluator;

/**
 * The per-image COCO evaluators of this JVM, one per broadcast ground truth: building one indexes
 * the ground truth by image, which a JVM does once, not once per task.
 */
final class ExecutorEvaluators {

    private static final Map<Long, PerImageEvaluator> EVALUATORS = new ConcurrentHashMap<>();

    private ExecutorEvaluators() {}

    /** The evaluator of a broadcast ground truth with pycocotools' default parameters. */
    static PerImageEvaluator of(Broadcast<CocoGroundTruth> groundTruth) {
        return EVALUATORS.computeIfAbsent(
                groundTruth.id(), id -> new PerImageEvaluator(groundTruth.value(), CocoEvalParams.defaults()));
    }

    /** Forgets the evaluator of a ground truth whose job ended (the driver's JVM in local mode). */
    static void release(Broadcast<CocoGroundTruth> groundTruth) {
        EVALUATORS.remove(groundTruth.id());
    }
}
