package org.cardinal.detector.data;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.Random;

/**
 * Textured backgrounds for the synthetic COCO dataset: gradients, stripes, checkerboards and
 * smoothed noise, so that a detector cannot find objects by "anything that is not flat".
 * Pure functions of the {@link Random} they are given, hence deterministic for a seed.
 */
final class SyntheticCocoBackgrounds {

    private SyntheticCocoBackgrounds() {}

    /** Paints one randomly chosen texture over the whole image. */
    static void paint(BufferedImage img, Graphics2D g, Random rnd) {
        int w = img.getWidth();
        int h = img.getHeight();
        switch (rnd.nextInt(4)) {
            case 0 -> {
                g.setPaint(new GradientPaint(
                        rnd.nextInt(w),
                        rnd.nextInt(h),
                        mutedColor(rnd),
                        rnd.nextInt(w),
                        rnd.nextInt(h),
                        mutedColor(rnd)));
                g.fillRect(0, 0, w, h);
            }
            case 1 -> stripes(img, rnd);
            case 2 -> checker(g, w, h, rnd);
            default -> smoothNoise(img, rnd);
        }
    }

    /** Adds per-pixel sensor noise of the given amplitude to every channel. */
    static void addNoise(BufferedImage img, Random rnd, int amplitude) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < rgb.length; i++) {
            int p = rgb[i];
            int r = clamp(((p >> 16) & 255) + rnd.nextInt(2 * amplitude + 1) - amplitude);
            int gg = clamp(((p >> 8) & 255) + rnd.nextInt(2 * amplitude + 1) - amplitude);
            int b = clamp((p & 255) + rnd.nextInt(2 * amplitude + 1) - amplitude);
            rgb[i] = 0xff000000 | (r << 16) | (gg << 8) | b;
        }
        img.setRGB(0, 0, w, h, rgb, 0, w);
    }

    /** A desaturated colour, so that backgrounds rarely look like an object's saturated hue. */
    static Color mutedColor(Random rnd) {
        return Color.getHSBColor(rnd.nextFloat(), 0.1f + 0.35f * rnd.nextFloat(), 0.25f + 0.7f * rnd.nextFloat());
    }

    private static void stripes(BufferedImage img, Random rnd) {
        int w = img.getWidth();
        int h = img.getHeight();
        Color a = mutedColor(rnd);
        Color b = mutedColor(rnd);
        double angle = rnd.nextDouble() * Math.PI;
        double period = 6 + rnd.nextInt(20);
        double ca = Math.cos(angle);
        double sa = Math.sin(angle);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double t = (x * ca + y * sa) / period;
                // a soft square wave: half sine, so edges are not perfectly sharp
                double m = 0.5 + 0.5 * Math.sin(2 * Math.PI * t);
                row[x] = mix(a, b, m);
            }
            img.setRGB(0, y, w, 1, row, 0, w);
        }
    }

    private static void checker(Graphics2D g, int w, int h, Random rnd) {
        Color a = mutedColor(rnd);
        Color b = mutedColor(rnd);
        int cell = 8 + rnd.nextInt(28);
        for (int y = 0; y < h; y += cell) {
            for (int x = 0; x < w; x += cell) {
                g.setColor(((x / cell + y / cell) & 1) == 0 ? a : b);
                g.fillRect(x, y, cell, cell);
            }
        }
    }

    /** Value noise: random colours on a coarse grid, bilinearly interpolated. */
    private static void smoothNoise(BufferedImage img, Random rnd) {
        int w = img.getWidth();
        int h = img.getHeight();
        int cell = 12 + rnd.nextInt(40);
        int gw = w / cell + 2;
        int gh = h / cell + 2;
        Color[] grid = new Color[gw * gh];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = mutedColor(rnd);
        }
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            int gy = y / cell;
            double fy = (y % cell) / (double) cell;
            for (int x = 0; x < w; x++) {
                int gx = x / cell;
                double fx = (x % cell) / (double) cell;
                int top = mix(grid[gy * gw + gx], grid[gy * gw + gx + 1], fx);
                int bottom = mix(grid[(gy + 1) * gw + gx], grid[(gy + 1) * gw + gx + 1], fx);
                row[x] = mix(new Color(top), new Color(bottom), fy);
            }
            img.setRGB(0, y, w, 1, row, 0, w);
        }
    }

    private static int mix(Color a, Color b, double t) {
        int r = (int) Math.round(a.getRed() * (1 - t) + b.getRed() * t);
        int g = (int) Math.round(a.getGreen() * (1 - t) + b.getGreen() * t);
        int bl = (int) Math.round(a.getBlue() * (1 - t) + b.getBlue() * t);
        return 0xff000000 | (r << 16) | (g << 8) | bl;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
