/**
 * Faster R-CNN in torchvision's decomposition: the input transform, the backbones ({@code
 * BackboneWithFpn}, {@code C4Backbone}), the region proposal network, the RoI heads, and the
 * assembled {@code FasterRcnn}; {@code DetectorConfig} describes a model and {@code
 * FasterRcnnFactory} turns it into parts. See docs/design.md.
 */
package org.cardinal.detector;
