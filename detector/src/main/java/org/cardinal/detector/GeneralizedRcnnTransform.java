package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * The input/output transform of torchvision's {@code GeneralizedRCNNTransform}: normalize, resize
 * so that the short side is {@code minSize} unless the long side would exceed {@code maxSize}
 * (bilinear, align_corners=false, with the output size {@code floor(side * scale)} and the
 * interpolation scale recomputed from the sizes, as torch's {@code recompute_scale_factor=True}),
 * pad the batch to a multiple of {@code sizeDivisible}, and map detections back to the original
 * image size.
 *
 * <p>Images are CHW float32 RGB in [0, 1]; boxes are (N, 4) x1, y1, x2, y2 in absolute pixels.
 * Everything runs on the images' device; only the small per-axis interpolation tables are built
 * on the host.
 */
public final class GeneralizedRcnnTransform {

    private final int minSize;
    private final int maxSize;
    private final float[] mean;
    private final float[] std;
    private final int sizeDivisible;

    /**
     * @param minSize short side after resize
     * @param maxSize cap of the long side after resize
     * @param mean RGB mean
     * @param std RGB standard deviation
     * @param sizeDivisible padded sizes are multiples of this
     */
    public GeneralizedRcnnTransform(int minSize, int maxSize, double[] mean, double[] std, int sizeDivisible) {
        this.minSize = minSize;
        this.maxSize = maxSize;
        this.mean = toFloat(mean);
        this.std = toFloat(std);
        this.sizeDivisible = sizeDivisible;
    }

    /**
     * @param config the model config whose transform fields are used
     * @return the transform of that config
     */
    public static GeneralizedRcnnTransform of(DetectorConfig config) {
        return new GeneralizedRcnnTransform(
                config.minSize(), config.maxSize(), config.imageMean(), config.imageStd(), config.sizeDivisible());
    }

    /**
     * Output size of the resize, exactly as torchvision computes it: the scale is {@code
     * min(minSize / shortSide, maxSize / longSide)} in double precision and each side becomes
     * {@code floor(side * scale)}.
     *
     * @param height input height
     * @param width input width
     * @return {height, width} after the resize
     */
    public int[] resizedSize(int height, int width) {
        double scale = Math.min((double) minSize / Math.min(height, width), (double) maxSize / Math.max(height, width));
        return new int[] {(int) Math.floor(height * scale), (int) Math.floor(width * scale)};
    }

    /**
     * Normalizes, resizes and pads a batch.
     *
     * @param images CHW float32 RGB in [0, 1], any sizes
     * @return the padded batch and the per-image sizes after the resize
     */
    public ImageList apply(List<NDArray> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("expected at least one image");
        }
        List<NDArray> resized = new ArrayList<>(images.size());
        List<int[]> sizes = new ArrayList<>(images.size());
        for (NDArray image : images) {
            Shape s = image.getShape();
            if (s.dimension() != 3 || s.get(0) != 3) {
                throw new IllegalArgumentException("expected an image of shape (3, H, W), found " + s);
            }
            NDArray normalized = normalize(image);
            int[] size = resizedSize((int) s.get(1), (int) s.get(2));
            resized.add(resize(normalized, size[0], size[1]));
            sizes.add(size);
        }
        return new ImageList(batch(resized), sizes);
    }

    /**
     * Subtracts the mean and divides by the std per channel.
     *
     * @param image (3, H, W) float32
     * @return the normalized image
     */
    public NDArray normalize(NDArray image) {
        NDManager m = image.getManager();
        NDArray mu = m.create(mean, new Shape(3, 1, 1)).toDevice(image.getDevice(), false);
        NDArray sigma = m.create(std, new Shape(3, 1, 1)).toDevice(image.getDevice(), false);
        return image.toType(DataType.FLOAT32, false).sub(mu).div(sigma);
    }

    /**
     * Bilinear resize with torch's align_corners=false semantics for an explicit output size,
     * done separably: rows first, then columns, each as two gathers and a weighted sum.
     *
     * @param image (C, H, W) float32
     * @param outH output height
     * @param outW output width
     * @return (C, outH, outW)
     */
    public static NDArray resize(NDArray image, int outH, int outW) {
        Shape s = image.getShape();
        int inH = (int) s.get(1);
        int inW = (int) s.get(2);
        NDArray rows = interpolateAxis(image, 1, inH, outH);
        return interpolateAxis(rows, 2, inW, outW);
    }

    /**
     * Pads the images (bottom/right, zeros) to the largest height and width rounded up to the
     * size divisor and stacks them.
     *
     * @param images (3, H_i, W_i) each
     * @return (B, 3, Hp, Wp)
     */
    public NDArray batch(List<NDArray> images) {
        long maxH = 0;
        long maxW = 0;
        for (NDArray im : images) {
            maxH = Math.max(maxH, im.getShape().get(1));
            maxW = Math.max(maxW, im.getShape().get(2));
        }
        long padH = (long) Math.ceil((double) maxH / sizeDivisible) * sizeDivisible;
        long padW = (long) Math.ceil((double) maxW / sizeDivisible) * sizeDivisible;
        NDList padded = new NDList(images.size());
        for (NDArray im : images) {
            padded.add(pad(im, padH, padW));
        }
        return NDArrays.stack(padded);
    }

    /**
     * Scales target boxes from the original image to the resized one (per-axis ratios in float32,
     * as torchvision's {@code resize_boxes}).
     *
     * @param boxes (N, 4)
     * @param from {height, width} of the original image
     * @param to {height, width} after the resize
     * @return (N, 4) boxes in resized-image pixels
     */
    public static NDArray resizeBoxes(NDArray boxes, int[] from, int[] to) {
        float rh = (float) to[0] / (float) from[0];
        float rw = (float) to[1] / (float) from[1];
        NDArray ratio = boxes.getManager().create(new float[] {rw, rh, rw, rh}).toDevice(boxes.getDevice(), false);
        return boxes.toType(DataType.FLOAT32, false).mul(ratio);
    }

    /**
     * Maps detections from the resized image back to the original image.
     *
     * @param detections per image, in resized-image pixels
     * @param resizedSizes per image {height, width} after the resize
     * @param originalSizes per image {height, width} as given
     * @return the same detections with boxes in original-image pixels
     */
    public static List<Detections> postprocess(
            List<Detections> detections, List<int[]> resizedSizes, List<int[]> originalSizes) {
        List<Detections> out = new ArrayList<>(detections.size());
        for (int i = 0; i < detections.size(); i++) {
            Detections d = detections.get(i);
            NDArray boxes = resizeBoxes(d.boxes(), resizedSizes.get(i), originalSizes.get(i));
            out.add(new Detections(boxes, d.scores(), d.labels()));
        }
        return out;
    }

    private static NDArray pad(NDArray im, long h, long w) {
        long c = im.getShape().get(0);
        long ih = im.getShape().get(1);
        long iw = im.getShape().get(2);
        NDArray out = im;
        if (iw < w) {
            out = out.concat(im.getManager().zeros(new Shape(c, ih, w - iw), im.getDataType(), im.getDevice()), 2);
        }
        if (ih < h) {
            out = out.concat(im.getManager().zeros(new Shape(c, h - ih, w), im.getDataType(), im.getDevice()), 1);
        }
        return out;
    }

    /**
     * One axis of torch's upsample_bilinear2d (align_corners=false, no explicit scale): source
     * coordinate {@code max(0, (dst + 0.5) * in / out - 0.5)} in float32, neighbours {@code i0 =
     * floor}, {@code i1 = min(i0 + 1, in - 1)}, weights {@code 1 - l, l}.
     */
    private static NDArray interpolateAxis(NDArray x, int axis, int in, int out) {
        if (in == out) {
            return x;
        }
        float scale = (float) in / (float) out;
        long[] i0 = new long[out];
        long[] i1 = new long[out];
        float[] l0 = new float[out];
        float[] l1 = new float[out];
        for (int d = 0; d < out; d++) {
            float src = scale * (d + 0.5f) - 0.5f;
            if (src < 0) {
                src = 0;
            }
            int lo = Math.min((int) src, in - 1);
            float lambda = Math.min(Math.max(src - lo, 0f), 1f);
            i0[d] = lo;
            i1[d] = lo < in - 1 ? lo + 1 : lo;
            l1[d] = lambda;
            l0[d] = 1f - lambda;
        }
        NDManager m = x.getManager();
        // Host-built lookup tables (a few KB), moved once to the image's device.
        NDArray idx0 = m.create(i0).toDevice(x.getDevice(), false);
        NDArray idx1 = m.create(i1).toDevice(x.getDevice(), false);
        Shape wShape = axis == 1 ? new Shape(1, out, 1) : new Shape(1, 1, out);
        NDArray w0 = m.create(l0, wShape).toDevice(x.getDevice(), false);
        NDArray w1 = m.create(l1, wShape).toDevice(x.getDevice(), false);
        String spec = axis == 1 ? ":, {}, :" : ":, :, {}";
        NDArray a = x.get(new NDIndex(spec, idx0));
        NDArray b = x.get(new NDIndex(spec, idx1));
        return a.mul(w0).add(b.mul(w1));
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
