/**
 * Image files to pixels, one way for every Cardinal path: {@link org.cardinal.backbone.image.ImageDecoder}
 * (ImageIO with the TwelveMonkeys JPEG plugin, 8-bit RGB like PIL's {@code convert("RGB")}) and
 * {@link org.cardinal.backbone.image.ExifOrientation} (the EXIF tag that turns a photo upright).
 */
package org.cardinal.backbone.image;
