/**
 * Box and feature operations with torchvision's semantics, on the model's device: IoU, clipping
 * and small-box removal ({@code BoxOps}), greedy and class-wise NMS ({@code Nms}), RoIAlign and
 * its multi-scale form over named FPN levels ({@code RoiAlign}, {@code MultiScaleRoiAlign}).
 */
package org.cardinal.detector.ops;
