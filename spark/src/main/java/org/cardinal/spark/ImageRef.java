package org.cardinal.spark;

import java.io.Serializable;

/**
 * One image of a job, as the driver listed it.
 *
 * @param position 1-based place in the listing: the order of every output
 * @param path fully qualified path on its Hadoop file system (e.g. {@code file:/data/000001.png})
 * @param fileName the path's last component
 * @param imageId COCO image id ({@link org.cardinal.detector.results.ImageIds})
 */
record ImageRef(long position, String path, String fileName, long imageId) implements Serializable {}
