package org.cardinal.backbone.image;

import ai.djl.modality.cv.BufferedImageFactory;
import ai.djl.modality.cv.Image;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * The one place Cardinal turns an image file into pixels: training data, prediction,
 * evaluation and feature extraction all decode through it, so every path sees the same image.
 *
 * <p>Files are decoded by Java's ImageIO with the TwelveMonkeys JPEG plugin on the class path
 * (CMYK, YCCK and Adobe JPEGs that the JDK alone refuses) into 8-bit RGB: grey levels are copied
 * into the three channels and alpha is dropped, as PIL's {@code convert("RGB")} and OpenCV's
 * {@code imread} do. The EXIF orientation of a JPEG is applied, so the image is upright as any
 * viewer shows it (PIL's {@code ImageOps.exif_transpose}); {@link Decoded#matching} keeps the
 * stored pixels instead when annotations were evidently drawn on them (docs/images.md).
 */
public final class ImageDecoder {

    /**
     * The file name endings (lower case) of the formats it reads: what the tools take from a
     * folder of images.
     */
    public static final List<String> FILE_SUFFIXES = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff");

    private static final BufferedImageFactory DJL_IMAGES = new BufferedImageFactory();

    private ImageDecoder() {}

    /**
     * A decoded file: its pixels as stored, and the EXIF orientation that turns them upright.
     *
     * @param stored the pixels in file order, {@code TYPE_3BYTE_BGR}
     * @param orientation EXIF orientation 1..8 (1: as stored)
     */
    public record Decoded(BufferedImage stored, int orientation) {

        /** The image as a viewer shows it: the orientation applied. */
        public BufferedImage upright() {
            return ExifOrientation.apply(stored, orientation);
        }

        /**
         * The image in the frame of annotations made for a {@code width x height} image (a COCO
         * file's image size): upright, unless the orientation turns the image by 90 degrees and
         * the stored pixels, not the upright ones, have that size. Such annotations were drawn on
         * the stored pixels (as PIL, and so torchvision and pycocotools, read them), and boxes
         * must stay on the pixels they were drawn on. An unknown size (0 or -1) means upright.
         */
        public BufferedImage matching(int width, int height) {
            boolean storedFits = stored.getWidth() == width && stored.getHeight() == height;
            if (ExifOrientation.swapsAxes(orientation) && storedFits && width != height) {
                return stored;
            }
            return upright();
        }
    }

    /** Whether a file name ends with one of the {@link #FILE_SUFFIXES}, in any case. */
    public static boolean isImageFile(String fileName) {
        String name = fileName.toLowerCase(Locale.ROOT);
        return FILE_SUFFIXES.stream().anyMatch(name::endsWith);
    }

    /**
     * Decodes a file.
     *
     * @throws IOException naming the file when it is missing or no decoder can read it
     */
    public static Decoded decode(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such image file", e);
        }
        return decode(bytes, file.toString());
    }

    /**
     * Decodes an image file's bytes (read from elsewhere, e.g. a Hadoop file system).
     *
     * @param bytes the file's content
     * @param name names the image in error messages
     * @return the pixels and the EXIF orientation
     * @throws IOException naming the image when no decoder can read it
     */
    public static Decoded decode(byte[] bytes, String name) throws IOException {
        BufferedImage image;
        try {
            // from memory: no temporary cache files, and the bytes are read once for EXIF as well
            image = ImageIO.read(new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes)));
        } catch (IOException | RuntimeException e) {
            throw new IOException(name + ": cannot decode image: " + e.getMessage(), e);
        }
        if (image == null) {
            throw new IOException(
                    name + ": cannot decode image: not a format it reads (" + String.join(", ", FILE_SUFFIXES) + ")");
        }
        return new Decoded(toRgb(image), ExifOrientation.of(bytes));
    }

    /** Decodes a file, upright. */
    public static BufferedImage read(Path file) throws IOException {
        return decode(file).upright();
    }

    /** Decodes a file, upright, as a DJL {@link Image} (backed by a {@code BufferedImage}). */
    public static Image readImage(Path file) throws IOException {
        return toImage(read(file));
    }

    /**
     * A DJL image of these pixels. It is always the {@code BufferedImage} kind, whichever
     * {@code ImageFactory} is installed (OpenCV's or not), so its pixels do not depend on the
     * class path.
     */
    public static Image toImage(BufferedImage image) {
        return DJL_IMAGES.fromImage(image);
    }

    /**
     * 8-bit RGB in a {@code TYPE_3BYTE_BGR} image: what ImageIO's JPEG reader gives, and the
     * layout DJL's image wrapper expects when it copies an image.
     */
    static BufferedImage toRgb(BufferedImage src) {
        if (src.getType() == BufferedImage.TYPE_3BYTE_BGR) {
            return src;
        }
        int w = src.getWidth();
        int h = src.getHeight();
        BufferedImage dst = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        byte[] out = ((DataBufferByte) dst.getRaster().getDataBuffer()).getData();
        Raster raster = src.getRaster();
        int bits = raster.getSampleModel().getSampleSize(0);
        if (src.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY && bits >= 8) {
            // Java treats grey as linear light and would brighten it on the way to sRGB; PIL and
            // OpenCV copy the level (the top 8 bits of a 16-bit one) into R, G and B
            int[] g = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            int shift = bits - 8;
            for (int i = 0; i < g.length; i++) {
                byte v = (byte) (g[i] >> shift);
                out[3 * i] = v;
                out[3 * i + 1] = v;
                out[3 * i + 2] = v;
            }
        } else {
            int[] argb = src.getRGB(0, 0, w, h, null, 0, w); // alpha is dropped below
            for (int i = 0; i < argb.length; i++) {
                out[3 * i] = (byte) argb[i];
                out[3 * i + 1] = (byte) (argb[i] >> 8);
                out[3 * i + 2] = (byte) (argb[i] >> 16);
            }
        }
        return dst;
    }
}
