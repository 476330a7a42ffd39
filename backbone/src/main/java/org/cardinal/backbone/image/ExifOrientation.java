package org.cardinal.backbone.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * The EXIF {@code Orientation} tag (0x0112) of a JPEG file and the pixel rearrangement it asks
 * for. Values follow the EXIF specification (and PIL's {@code ImageOps.exif_transpose}):
 *
 * <pre>
 *   1 as stored          5 transposed (mirrored across the main diagonal)
 *   2 mirrored left-right 6 turned 90 degrees clockwise
 *   3 turned 180 degrees  7 transversed (mirrored across the other diagonal)
 *   4 mirrored top-bottom 8 turned 90 degrees counter-clockwise
 * </pre>
 *
 * Only the first EXIF segment before the image data is read; a missing, damaged or
 * out-of-range tag means 1, so a file that cannot be understood is shown as stored.
 */
public final class ExifOrientation {

    private ExifOrientation() {}

    /** The orientation (1..8) a JPEG file's bytes declare; 1 for any other file or no tag. */
    public static int of(byte[] b) {
        if (b.length < 4 || (b[0] & 0xff) != 0xFF || (b[1] & 0xff) != 0xD8) {
            return 1;
        }
        int p = 2;
        while (p + 4 <= b.length) {
            if ((b[p] & 0xff) != 0xFF) {
                return 1;
            }
            int marker = b[p + 1] & 0xff;
            if (marker == 0xFF) {
                p++; // fill byte
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) {
                return 1; // image data (or the end) reached: metadata comes before it
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                p += 2; // markers without a length
                continue;
            }
            int len = u16(b, p + 2, false);
            if (len < 2 || p + 2 + len > b.length) {
                return 1;
            }
            if (marker == 0xE1
                    && len >= 16
                    && b[p + 4] == 'E'
                    && b[p + 5] == 'x'
                    && b[p + 6] == 'i'
                    && b[p + 7] == 'f'
                    && b[p + 8] == 0
                    && b[p + 9] == 0) {
                return fromTiff(b, p + 10, p + 2 + len);
            }
            p += 2 + len;
        }
        return 1;
    }

    /** The tag in IFD0 of the TIFF structure at b[start..end). */
    private static int fromTiff(byte[] b, int start, int end) {
        boolean little;
        if (b[start] == 'I' && b[start + 1] == 'I') {
            little = true;
        } else if (b[start] == 'M' && b[start + 1] == 'M') {
            little = false;
        } else {
            return 1;
        }
        if (u16(b, start + 2, little) != 42) {
            return 1;
        }
        long ifd = u32(b, start + 4, little);
        if (ifd < 8 || start + ifd + 2 > end) {
            return 1;
        }
        int p = start + (int) ifd;
        int n = u16(b, p, little);
        for (int i = 0; i < n; i++) {
            int e = p + 2 + 12 * i;
            if (e + 12 > end) {
                return 1;
            }
            if (u16(b, e, little) == 0x0112) {
                int type = u16(b, e + 2, little);
                long v = type == 3 ? u16(b, e + 8, little) : type == 4 ? u32(b, e + 8, little) : 1;
                return v >= 1 && v <= 8 ? (int) v : 1;
            }
        }
        return 1;
    }

    private static int u16(byte[] b, int p, boolean little) {
        int a = b[p] & 0xff;
        int c = b[p + 1] & 0xff;
        return little ? a | c << 8 : a << 8 | c;
    }

    private static long u32(byte[] b, int p, boolean little) {
        long hi = u16(b, little ? p + 2 : p, little);
        long lo = u16(b, little ? p : p + 2, little);
        return hi << 16 | lo;
    }

    /** True if the orientation swaps width and height (5 to 8). */
    public static boolean swapsAxes(int orientation) {
        return orientation >= 5 && orientation <= 8;
    }

    /**
     * The image rearranged as the orientation says (a new image; the same one for 1 or an
     * unknown value). {@code rgb} must be {@code TYPE_3BYTE_BGR}.
     */
    public static BufferedImage apply(BufferedImage rgb, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return rgb;
        }
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        int ow = swapsAxes(orientation) ? h : w;
        int oh = swapsAxes(orientation) ? w : h;
        byte[] in = ((DataBufferByte) rgb.getRaster().getDataBuffer()).getData();
        BufferedImage out = new BufferedImage(ow, oh, BufferedImage.TYPE_3BYTE_BGR);
        byte[] o = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                // (sx, sy): the stored pixel shown at (x, y)
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> {
                        sx = w - 1 - x;
                        sy = y;
                    }
                    case 3 -> {
                        sx = w - 1 - x;
                        sy = h - 1 - y;
                    }
                    case 4 -> {
                        sx = x;
                        sy = h - 1 - y;
                    }
                    case 5 -> {
                        sx = y;
                        sy = x;
                    }
                    case 6 -> {
                        sx = y;
                        sy = h - 1 - x;
                    }
                    case 7 -> {
                        sx = w - 1 - y;
                        sy = h - 1 - x;
                    }
                    default -> {
                        sx = w - 1 - y;
                        sy = x;
                    }
                }
                System.arraycopy(in, 3 * (sy * w + sx), o, 3 * (y * ow + x), 3);
            }
        }
        return out;
    }
}
