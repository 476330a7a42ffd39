package org.cardinal.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineChartTest {

    private static final int BLUE = 0x0072b2;
    private static final int ORANGE = 0xd55e00;

    @Test
    void niceTicksCoverTheRangeWithOneTwoFiveSteps() {
        double[] t = LineChart.Ticks.nice(0.013, 0.87, 6);
        assertArrayEquals(new double[] {0.0, 1.0, 0.2}, t, 1e-12);
        t = LineChart.Ticks.nice(3, 1197, 8);
        assertEquals(200, t[2], 1e-9);
        assertTrue(t[0] <= 3 && t[1] >= 1197);
    }

    @Test
    void chartDrawsEachSeriesInItsOwnColour(@TempDir Path dir) throws IOException {
        LineChart c = new LineChart("t", "x", "y")
                .add(new LineChart.Series("a", new double[] {0, 1, 2}, new double[] {0, 1, 2}))
                .add("b", new double[] {0, 1, 2}, new double[] {2, 1, 0});
        Path png = dir.resolve("c.png");
        c.write(png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(820, img.getWidth());
        int[] n = count(img, 0, img.getWidth());
        assertTrue(n[0] > 200 && n[1] > 200, "pixels of series colours: " + n[0] + ", " + n[1]);
    }

    @Test
    void drawStaysInsideItsRectangleSoChartsSitSideBySide() {
        BufferedImage img = new BufferedImage(1200, 450, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.MAGENTA);
        g.fillRect(0, 0, 1200, 450);
        new LineChart("left", "x", "y")
                .add("a", new double[] {0, 1, 2}, new double[] {0, 1, 2})
                .draw(g, 0, 0, 600, 450);
        new LineChart("right", "x", "y")
                .add("a", new double[] {0, 1}, new double[] {1, 1})
                .add("b", new double[] {0, 1}, new double[] {0, 1})
                .draw(g, 600, 0, 600, 450);
        g.dispose();
        int[] left = count(img, 0, 600);
        int[] right = count(img, 600, 1200);
        assertTrue(left[0] > 100 && left[1] == 0, "left chart: one blue series, " + left[0] + ", " + left[1]);
        assertTrue(right[0] > 100 && right[1] > 100, "right chart: two series, " + right[0] + ", " + right[1]);
        // Each chart paints its whole rectangle white first: nothing of the background is left.
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                assertTrue((img.getRGB(x, y) & 0xffffff) != 0xff00ff, "background at " + x + "," + y);
            }
        }
    }

    @Test
    void seriesOfDifferentLengthsAreRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new LineChart("t", "x", "y").add("a", new double[] {0, 1}, new double[] {0}));
    }

    /** {blue pixels, orange pixels} in columns {@code [x0, x1)}. */
    private static int[] count(BufferedImage img, int x0, int x1) {
        int[] n = new int[2];
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = x0; x < x1; x++) {
                int p = img.getRGB(x, y) & 0xffffff;
                n[0] += p == BLUE ? 1 : 0;
                n[1] += p == ORANGE ? 1 : 0;
            }
        }
        return n;
    }
}
