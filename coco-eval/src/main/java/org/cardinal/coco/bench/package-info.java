/**
 * The COCO evaluation benchmark's data: a generated ground truth and results set of realistic size
 * (5000 images, 500k detections), written once (by {@code org.cardinal.tools.GenerateCocoBenchmarkSet})
 * and measured against pycocotools by {@code tools/bench/coco-eval}.
 */
package org.cardinal.coco.bench;
