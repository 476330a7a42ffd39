package org.cardinal.backbone.pretrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ClassificationTransformTest {

    @Test
    void randomResizedCropStaysInsideAndRespectsScaleAndRatio() {
        RandomResizedCrop crop = new RandomResizedCrop(0.08, 1.0, 3.0 / 4, 4.0 / 3);
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < 2000; i++) {
            int w = 50 + rng.nextInt(400);
            int h = 50 + rng.nextInt(400);
            RandomResizedCrop.Window c = crop.sample(w, h, rng);
            assertTrue(c.x() >= 0 && c.y() >= 0 && c.x() + c.w() <= w && c.y() + c.h() <= h, c + " in " + w + "x" + h);
            double area = (double) c.w() * c.h() / ((double) w * h);
            // Rounding of w and h to pixels loosens the bounds slightly.
            assertTrue(area > 0.07 && area <= 1.0, "area fraction " + area);
            double ratio = (double) c.w() / c.h();
            assertTrue(ratio > 0.7 && ratio < 1.4, "ratio " + ratio);
        }
    }

    @Test
    void randomResizedCropFallsBackToCentreCropWithClampedRatio() {
        // Scale 1 with ratio exactly 1 cannot fit a 100x50 image: torchvision takes the centred 50x50.
        RandomResizedCrop crop = new RandomResizedCrop(1.0, 1.0, 1.0, 1.0);
        assertEquals(new RandomResizedCrop.Window(25, 0, 50, 50), crop.sample(100, 50, new SplittableRandom(3)));
    }

    @Test
    void evalTransformNormalizesWithImagenetStatistics() {
        BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                img.setRGB(x, y, (200 << 16) | (100 << 8) | 50);
            }
        }
        float[] out = new float[3 * 16 * 16];
        ClassificationTransform.eval(16, 18).apply(img, null, out, 0);
        // ToTensor + Normalize by hand: (v / 255 - mean) / std.
        float r = (200 / 255f - 0.485f) / 0.229f;
        float g = (100 / 255f - 0.456f) / 0.224f;
        float b = (50 / 255f - 0.406f) / 0.225f;
        assertEquals(r, out[0], 1e-5);
        assertEquals(g, out[256 + 17], 1e-5);
        assertEquals(b, out[2 * 256 + 255], 1e-5);
    }

    @Test
    void evalTransformTakesTheCentreOfTheResizedImage() {
        // Left third black, middle third white, right third black: the centre crop of the
        // 2:1 image resized to short side 10 (20x10) is 10x10 from x = 5, so columns 0..4 of the
        // output are from x 5..9 (black until 6.67, then white) and the centre column is white.
        BufferedImage img = new BufferedImage(60, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 20; x < 40; x++) {
                img.setRGB(x, y, 0xFFFFFF);
            }
        }
        float[] out = new float[3 * 10 * 10];
        ClassificationTransform.eval(10, 10).apply(img, null, out, 0);
        float white = (1f - 0.485f) / 0.229f;
        float black = -0.485f / 0.229f;
        assertEquals(black, out[5 * 10], 1e-3); // x = 5 in the resized image
        assertEquals(white, out[5 * 10 + 5], 1e-3); // x = 10, the centre
        assertEquals(black, out[5 * 10 + 9], 1e-3); // x = 14
    }

    @Test
    void trainTransformIsAFunctionOfTheSampleRandomSource() {
        BufferedImage img = new SyntheticImageFolder(3, 1, 0, 48, 5).render(2, new java.util.Random(9));
        ClassificationTransform t = ClassificationTransform.train(24, new RandomResizedCrop(0.08, 1, 0.75, 4.0 / 3));
        float[] a = new float[3 * 24 * 24];
        float[] b = new float[3 * 24 * 24];
        t.apply(img, ClassificationLoader.sampleRandom(1, 2, 3), a, 0);
        t.apply(img, ClassificationLoader.sampleRandom(1, 2, 3), b, 0);
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        t.apply(img, ClassificationLoader.sampleRandom(1, 3, 3), b, 0);
        assertTrue(!java.util.Arrays.equals(a, b), "another epoch gives another crop");
    }
}
