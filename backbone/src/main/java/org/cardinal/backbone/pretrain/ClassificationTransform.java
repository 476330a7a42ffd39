package org.cardinal.backbone.pretrain;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/**
 * torchvision's ImageNet classification preprocessing, on decoded images, in plain Java so that it
 * runs on the loader's worker threads without touching native tensors.
 *
 * <ul>
 *   <li>train: {@code RandomResizedCrop(size, scale, ratio)} then {@code RandomHorizontalFlip(0.5)};
 *   <li>eval: {@code Resize(resizeSize)} (shorter side, long side truncated as torchvision does)
 *       then {@code CenterCrop(size)};
 * </ul>
 *
 * followed by {@code ToTensor} and {@code Normalize(mean, std)}. The result is a CHW float32 RGB
 * array of {@code 3 * size * size} values. Resampling is bilinear; a downscale by more than two is
 * done in halving steps first, which approximates the antialiased resize of PIL.
 */
public final class ClassificationTransform {
    /** ImageNet channel means (RGB, on [0, 1] pixels). */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    /** ImageNet channel standard deviations. */
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    private final boolean train;
    private final int size;
    private final int resizeSize;
    private final RandomResizedCrop crop;
    private final float[] mean;
    private final float[] std;

    private ClassificationTransform(
            boolean train, int size, int resizeSize, RandomResizedCrop crop, float[] mean, float[] std) {
        if (size < 1 || (!train && resizeSize < size)) {
            throw new IllegalArgumentException(
                    "image size must be >= 1 and resize size >= image size, got " + size + " / " + resizeSize);
        }
        this.train = train;
        this.size = size;
        this.resizeSize = resizeSize;
        this.crop = crop;
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** Training augmentation: random-resized crop to {@code size} and a random horizontal flip. */
    public static ClassificationTransform train(int size, RandomResizedCrop crop) {
        return new ClassificationTransform(true, size, size, crop, IMAGENET_MEAN, IMAGENET_STD);
    }

    /** Evaluation: resize the shorter side to {@code resizeSize}, centre crop {@code size}. */
    public static ClassificationTransform eval(int size, int resizeSize) {
        return new ClassificationTransform(false, size, resizeSize, null, IMAGENET_MEAN, IMAGENET_STD);
    }

    /** Output side length in pixels. */
    public int size() {
        return size;
    }

    /**
     * Transforms one decoded image into {@code out[offset .. offset + 3*size*size)}, CHW.
     *
     * @param rng the sample's own random source (unused by the eval transform)
     */
    public void apply(BufferedImage image, SplittableRandom rng, float[] out, int offset) {
        BufferedImage result;
        if (train) {
            RandomResizedCrop.Window w = crop.sample(image.getWidth(), image.getHeight(), rng);
            boolean flip = rng.nextBoolean();
            result = resample(image, w.x(), w.y(), w.w(), w.h(), size, size, flip);
        } else {
            int iw = image.getWidth();
            int ih = image.getHeight();
            int nw;
            int nh;
            // torchvision Resize(int): the shorter side becomes resizeSize, the other is truncated.
            if (iw <= ih) {
                nw = resizeSize;
                nh = (int) ((long) resizeSize * ih / iw);
            } else {
                nh = resizeSize;
                nw = (int) ((long) resizeSize * iw / ih);
            }
            BufferedImage resized = resample(image, 0, 0, iw, ih, nw, nh, false);
            // CenterCrop: Python's round() of (diff / 2.0), i.e. halves to even.
            int top = (int) Math.rint((nh - size) / 2.0);
            int left = (int) Math.rint((nw - size) / 2.0);
            result = resized.getSubimage(left, top, size, size);
        }
        toTensor(result, out, offset);
    }

    private void toTensor(BufferedImage img, float[] out, int offset) {
        int n = size * size;
        int[] argb = img.getRGB(0, 0, size, size, null, 0, size);
        float[] scale = new float[3];
        float[] shift = new float[3];
        for (int c = 0; c < 3; c++) {
            scale[c] = 1f / (255f * std[c]);
            shift[c] = -mean[c] / std[c];
        }
        for (int i = 0; i < n; i++) {
            int p = argb[i];
            out[offset + i] = ((p >> 16) & 0xff) * scale[0] + shift[0];
            out[offset + n + i] = ((p >> 8) & 0xff) * scale[1] + shift[1];
            out[offset + 2 * n + i] = (p & 0xff) * scale[2] + shift[2];
        }
    }

    /**
     * Scales the source window to {@code dw x dh} (bilinear, RGB), optionally mirrored. Halving steps
     * first keep a large reduction from aliasing.
     */
    static BufferedImage resample(BufferedImage src, int sx, int sy, int sw, int sh, int dw, int dh, boolean flip) {
        BufferedImage cur = src;
        int cx = sx;
        int cy = sy;
        int cw = sw;
        int ch = sh;
        // A bilinear halving samples between two pixels in each direction: an exact 2x2 box filter.
        while (cw >= 2 * dw && ch >= 2 * dh) {
            int hw = cw / 2;
            int hh = ch / 2;
            cur = draw(cur, cx, cy, cw, ch, hw, hh, false);
            cx = 0;
            cy = 0;
            cw = hw;
            ch = hh;
        }
        return draw(cur, cx, cy, cw, ch, dw, dh, flip);
    }

    private static BufferedImage draw(BufferedImage src, int sx, int sy, int sw, int sh, int dw, int dh, boolean flip) {
        BufferedImage dst = new BufferedImage(dw, dh, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = dst.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            if (flip) {
                g.drawImage(src, dw, 0, 0, dh, sx, sy, sx + sw, sy + sh, null);
            } else {
                g.drawImage(src, 0, 0, dw, dh, sx, sy, sx + sw, sy + sh, null);
            }
        } finally {
            g.dispose();
        }
        return dst;
    }
}
