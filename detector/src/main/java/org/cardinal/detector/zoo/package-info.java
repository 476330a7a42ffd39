/**
 * Trained detectors as DJL model-zoo artifacts: {@link org.cardinal.detector.zoo.DetectorArtifact}
 * (the folder layout), {@link org.cardinal.detector.zoo.ArtifactRepository} (folders and URLs),
 * {@link org.cardinal.detector.zoo.CardinalModelZoo} (registered through {@code ServiceLoader} by
 * {@link org.cardinal.detector.zoo.CardinalZooProvider}) and
 * {@link org.cardinal.detector.zoo.DetectorTranslator} ({@code Image} to {@code DetectedObjects});
 * {@link org.cardinal.detector.zoo.ModelLocator} finds the artifact a tool's {@code --model} names.
 */
package org.cardinal.detector.zoo;
