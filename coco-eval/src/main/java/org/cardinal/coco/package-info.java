/**
 * COCO bbox evaluation with pycocotools' {@code COCOeval} semantics and numbers, in plain Java
 * (gson only).
 *
 * <p>{@link org.cardinal.coco.CocoGroundTruth} (an instances file or built in memory),
 * {@link org.cardinal.coco.CocoResults} (a results file), {@link org.cardinal.coco.CocoEvaluator}
 * (fed image by image or with a results file), {@link org.cardinal.coco.CocoEvalResult} (the 12
 * summary numbers, per-category AP, pycocotools' precision/recall arrays and summary text).
 * Boxes are COCO's {@code [x, y, width, height]} in absolute pixels throughout.
 */
package org.cardinal.coco;
