package org.cardinal.core.train;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** What the charts share: an antialiased white canvas to draw on, a picture of it, PNG bytes. */
final class ChartCanvas {

    /** Draws a chart into a rectangle of a target. */
    interface Drawing {
        void draw(Graphics2D target, int originX, int originY, int width, int height);
    }

    private ChartCanvas() {}

    /**
     * @return a graphics clipped and translated to the rectangle, antialiased, filled white;
     *     dispose it when done
     */
    static Graphics2D open(Graphics2D target, int originX, int originY, int width, int height) {
        Graphics2D g = (Graphics2D) target.create(originX, originY, width, height);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        return g;
    }

    /** @return the drawing on a picture of {@code width x height} pixels */
    static BufferedImage render(Drawing drawing, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        drawing.draw(g, 0, 0, width, height);
        g.dispose();
        return img;
    }

    /** @return the picture encoded as PNG */
    static byte[] png(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
