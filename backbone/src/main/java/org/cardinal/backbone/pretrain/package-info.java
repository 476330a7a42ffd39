/**
 * ImageNet-style classification pretraining of a backbone with the paper's recipe: the recipe
 * ({@code PretrainConfig}), image folders and the embedded synthetic set, augmentation, the
 * trainer with exact resume, and the export of the body for a detector ({@code BackboneExport}).
 */
package org.cardinal.backbone.pretrain;
