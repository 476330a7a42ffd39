package org.cardinal.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IntervalChartTest {

    private static final int BLUE = 0x0072b2;
    private static final int ORANGE = 0xd55e00;

    @Test
    void errorBarsSpanTheirIntervalsInProportion(@TempDir Path dir) throws IOException {
        // blue's interval is four times as long as orange's
        IntervalChart c = new IntervalChart("differences", "AP")
                .add("blue", "AP", 1.0, -1.0, 3.0)
                .add("orange", "AP", 1.0, 0.5, 1.5);
        Path png = dir.resolve("i.png");
        c.write(png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(820, img.getWidth());
        int blue = verticalExtent(img, BLUE);
        int orange = verticalExtent(img, ORANGE);
        // caps and the point add a few pixels to each extent; the bars themselves are 4:1
        assertTrue(Math.abs(blue - 4.0 * orange) < 0.25 * blue, "extents " + blue + " and " + orange);
    }

    @Test
    void estimateWithoutIntervalIsDrawnWithoutABar() {
        BufferedImage img = new IntervalChart("one sample", "AP")
                .add("blue", "AP", 2.0, Double.NaN, Double.NaN)
                .add("blue", "AP50", 0.0, -8.0, 8.0)
                .render();
        int withBar = verticalExtent(img, BLUE);
        BufferedImage pointOnly = new IntervalChart("one sample", "AP")
                .add("blue", "AP", 2.0, Double.NaN, Double.NaN)
                .render();
        int point = verticalExtent(pointOnly, BLUE);
        assertTrue(point > 0 && point < 15, "a point alone: " + point + " pixels high");
        assertTrue(withBar > 10 * point, "the other category's bar: " + withBar);
    }

    @Test
    void valueOutsideItsIntervalIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new IntervalChart("t", "y").add("a", "b", 5, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new IntervalChart("t", "y").add("a", "b", Double.NaN, 0, 1));
    }

    /** Rows between the highest and lowest pixel of {@code rgb}, inside the plot (legend excluded). */
    private static int verticalExtent(BufferedImage img, int rgb) {
        int first = -1;
        int last = -1;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth() - 200; x++) {
                if ((img.getRGB(x, y) & 0xffffff) == rgb) {
                    first = first < 0 ? y : first;
                    last = y;
                    break;
                }
            }
        }
        return first < 0 ? 0 : last - first + 1;
    }
}
