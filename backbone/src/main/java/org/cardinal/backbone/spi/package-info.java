/**
 * The backbone plugin interface: a {@link org.cardinal.backbone.spi.BackboneProvider} found by
 * {@link java.util.ServiceLoader} reads its config section into a {@link
 * org.cardinal.backbone.spi.BackboneSpec}, which states its output maps ({@link
 * org.cardinal.backbone.spi.FeatureShape}: name, channels, stride) and complexity and builds a
 * {@link org.cardinal.backbone.spi.FeatureExtractor}. {@link org.cardinal.backbone.spi.Backbones}
 * is the one reader of a config's backbone. Cardinal's ResNet/ResNeXt is a provider like any other
 * (type {@code resnet}); docs/plugins.md shows how to write one.
 */
package org.cardinal.backbone.spi;
