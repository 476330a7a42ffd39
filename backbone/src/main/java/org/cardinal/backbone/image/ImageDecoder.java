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
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
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
 *
 * <p>A file is data from anywhere: its width and height are read from its header before any
 * pixel is allocated, and an image of more than a budget of pixels ({@link #maxPixels()}, PIL's
 * decompression-bomb limit unless {@value #MAX_PIXELS_PROPERTY} says otherwise) is refused with an
 * {@link IOException} naming it, as PIL refuses it, instead of exhausting the heap.
 */
public final class ImageDecoder {

    /**
     * The file name endings (lower case) of the formats it reads: what the tools take from a
     * folder of images.
     */
    public static final List<String> FILE_SUFFIXES = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff");

    /**
     * The default pixel budget: PIL's {@code DecompressionBombError} threshold, twice its
     * {@code Image.MAX_IMAGE_PIXELS} of 89,478,485 (about 0.5 GB as 8-bit RGB).
     */
    public static final long DEFAULT_MAX_PIXELS = 2L * 89_478_485L;

    /** System property that sets the pixel budget (a positive integer). */
    public static final String MAX_PIXELS_PROPERTY = "cardinal.image.max_pixels";

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
        return decode(bytes, name, maxPixels());
    }

    /**
     * Decodes an image file's bytes if its header declares at most {@code maxPixels} pixels.
     *
     * @param bytes the file's content
     * @param name names the image in error messages
     * @param maxPixels the pixel budget: a larger image is refused before it is decoded
     * @return the pixels and the EXIF orientation
     * @throws IOException naming the image when no decoder can read it or it is over the budget
     */
    public static Decoded decode(byte[] bytes, String name, long maxPixels) throws IOException {
        BufferedImage image;
        // from memory: no temporary cache files, and the bytes are read once for EXIF as well
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException(name + ": cannot decode image: not a format it reads ("
                        + String.join(", ", FILE_SUFFIXES) + ")");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long width;
                long height;
                try {
                    width = reader.getWidth(0); // the header only
                    height = reader.getHeight(0);
                } catch (IOException | RuntimeException e) {
                    throw new IOException(name + ": cannot decode image: " + e.getMessage(), e);
                }
                if (width <= 0 || height <= 0 || width * height > maxPixels) {
                    throw new IOException(String.format(
                            Locale.ROOT,
                            "%s: image of %d x %d pixels, more than the budget of %d pixels (-D%s=N to change"
                                    + " it): not decoded",
                            name,
                            width,
                            height,
                            maxPixels,
                            MAX_PIXELS_PROPERTY));
                }
                try {
                    image = reader.read(0, reader.getDefaultReadParam());
                } catch (IOException | RuntimeException e) {
                    throw new IOException(name + ": cannot decode image: " + e.getMessage(), e);
                }
            } finally {
                reader.dispose();
            }
        }
        return new Decoded(toRgb(image), ExifOrientation.of(bytes));
    }

    /**
     * The pixel budget of this JVM: the system property {@value #MAX_PIXELS_PROPERTY}, else
     * {@link #DEFAULT_MAX_PIXELS}.
     *
     * @throws IllegalArgumentException naming the property when it is not a positive integer
     */
    public static long maxPixels() {
        String value = System.getProperty(MAX_PIXELS_PROPERTY);
        if (value == null || value.isBlank()) {
            return DEFAULT_MAX_PIXELS;
        }
        try {
            long n = Long.parseLong(value.strip());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "-D" + MAX_PIXELS_PROPERTY + "=" + value + ": expected a positive number of pixels");
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
