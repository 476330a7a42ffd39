/**
 * ResNet and ResNeXt backbones (He et al. 2016; Xie et al. 2017) on DJL with torchvision's layout
 * and parameter names: {@link org.cardinal.backbone.BackboneConfig} describes an architecture,
 * {@link org.cardinal.backbone.ResNet} builds it (stage outputs C2..C5 and optional logits),
 * {@link org.cardinal.backbone.Complexity} counts its parameters and multiply-adds. Knows nothing of
 * detection.
 */
package org.cardinal.backbone;
