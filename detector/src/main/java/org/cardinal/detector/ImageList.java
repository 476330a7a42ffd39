package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * A batch of images of different sizes padded into one tensor, as torchvision's {@code ImageList}.
 *
 * @param tensors (B, 3, Hp, Wp) float32, normalized, zero-padded at the bottom and right so that
 *     Hp and Wp are multiples of the size divisor
 * @param imageSizes per image {height, width} after the resize and before the padding; boxes are
 *     clipped to these
 */
public record ImageList(NDArray tensors, List<int[]> imageSizes) {}
