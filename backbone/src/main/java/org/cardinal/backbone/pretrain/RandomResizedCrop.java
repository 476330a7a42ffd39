package org.cardinal.backbone.pretrain;

import java.util.SplittableRandom;

/**
 * The crop window of torchvision's {@code RandomResizedCrop.get_params}: up to ten tries of an area
 * fraction drawn uniformly from {@code scale} and an aspect ratio drawn log-uniformly from {@code
 * ratio}; if none fits, the largest centred window whose ratio is clamped into {@code ratio}.
 *
 * <p>DJL's {@code RandomResizedCrop} transform draws from a global random source; this one takes
 * the random source per call, so each sample's crop depends only on (seed, epoch, index) and a
 * resumed run augments exactly as an uninterrupted one.
 *
 * @param minScale smallest area fraction (0.08 in the paper's recipe)
 * @param maxScale largest area fraction (1.0)
 * @param minRatio smallest width/height ratio (3/4)
 * @param maxRatio largest width/height ratio (4/3)
 */
public record RandomResizedCrop(double minScale, double maxScale, double minRatio, double maxRatio) {

    /** A crop window in pixels: top-left {@code (x, y)}, size {@code w x h}. */
    public record Window(int x, int y, int w, int h) {}

    /** Validates the ranges. */
    public RandomResizedCrop {
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
            throw new IllegalArgumentException(
                    "crop scale must satisfy 0 < min <= max <= 1, got (" + minScale + ", " + maxScale + ")");
        }
        if (!(minRatio > 0 && minRatio <= maxRatio)) {
            throw new IllegalArgumentException(
                    "crop ratio must satisfy 0 < min <= max, got (" + minRatio + ", " + maxRatio + ")");
        }
    }

    /** Draws a window for an image of {@code width x height} pixels. */
    public Window sample(int width, int height, SplittableRandom rng) {
        double area = (double) width * height;
        double logMin = Math.log(minRatio);
        double logMax = Math.log(maxRatio);
        for (int attempt = 0; attempt < 10; attempt++) {
            double targetArea = area * uniform(rng, minScale, maxScale);
            double aspect = Math.exp(uniform(rng, logMin, logMax));
            int w = (int) Math.round(Math.sqrt(targetArea * aspect));
            int h = (int) Math.round(Math.sqrt(targetArea / aspect));
            if (0 < w && w <= width && 0 < h && h <= height) {
                int y = rng.nextInt(height - h + 1);
                int x = rng.nextInt(width - w + 1);
                return new Window(x, y, w, h);
            }
        }
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < minRatio) {
            w = width;
            h = (int) Math.round(w / minRatio);
        } else if (inRatio > maxRatio) {
            h = height;
            w = (int) Math.round(h * maxRatio);
        } else {
            w = width;
            h = height;
        }
        return new Window((width - w) / 2, (height - h) / 2, w, h);
    }

    private static double uniform(SplittableRandom rng, double lo, double hi) {
        return lo == hi ? lo : lo + (hi - lo) * rng.nextDouble();
    }
}
