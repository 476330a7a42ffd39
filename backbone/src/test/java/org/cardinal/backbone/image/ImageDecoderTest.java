package org.cardinal.backbone.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decoding against what PIL makes of the same files ({@code make_fixtures.py} wrote the files and
 * PIL's upright size and patch colours to {@code expected.json}).
 */
class ImageDecoderTest {

    /** JPEG: both sides run libjpeg's decoder, but the CMYK conversions round differently. */
    private static final int LEVELS = 3;

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(ImageDecoderTest.class.getResource(name).toURI());
    }

    private static JsonObject expected(String name) throws Exception {
        return JsonParser.parseString(Files.readString(fixture("expected.json")))
                .getAsJsonObject()
                .getAsJsonObject(name);
    }

    private static void assertLooksLikePil(String name, BufferedImage image) throws Exception {
        JsonObject e = expected(name);
        assertEquals(e.get("width").getAsInt(), image.getWidth(), name + ": width");
        assertEquals(e.get("height").getAsInt(), image.getHeight(), name + ": height");
        for (JsonElement p : e.getAsJsonArray("points")) {
            JsonObject pt = p.getAsJsonObject();
            int x = pt.get("x").getAsInt();
            int y = pt.get("y").getAsInt();
            int rgb = image.getRGB(x, y);
            int[] got = {rgb >> 16 & 0xff, rgb >> 8 & 0xff, rgb & 0xff};
            for (int c = 0; c < 3; c++) {
                int want = pt.getAsJsonArray("rgb").get(c).getAsInt();
                assertTrue(
                        Math.abs(got[c] - want) <= LEVELS,
                        name + " at (" + x + ", " + y + "): " + Arrays.toString(got) + ", PIL "
                                + pt.getAsJsonArray("rgb"));
            }
        }
    }

    /** CMYK and YCCK with a profile that does not fit, and a duplicated ICC segment: the JDK refuses two. */
    @ParameterizedTest
    @ValueSource(strings = {"cmyk.jpg", "ycck.jpg", "icc_duplicate.jpg"})
    void decodesJpegsTheJdkAloneRefusesWithPilsColours(String name) throws Exception {
        assertLooksLikePil(name, ImageDecoder.read(fixture(name)));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void appliesEachExifOrientationAsPilsExifTranspose(int orientation) throws Exception {
        String name = "orientation_" + orientation + ".jpg";
        ImageDecoder.Decoded d = ImageDecoder.decode(fixture(name));
        assertEquals(orientation, d.orientation());
        assertEquals(48, d.stored().getWidth(), "stored as written");
        assertLooksLikePil(name, d.upright());
    }

    @Test
    void keepsTheStoredPixelsOnlyForAnnotationsMadeOnThem() throws Exception {
        ImageDecoder.Decoded d = ImageDecoder.decode(fixture("orientation_6.jpg"));
        // COCO width/height of the stored 48x32 pixels: the boxes were drawn on those
        BufferedImage stored = d.matching(48, 32);
        assertSame(d.stored(), stored);
        assertTrue(isRed(stored.getRGB(12, 8)), "red at the top left");
        // the upright size, or none: upright (orientation 6 shows the stored top left at the top right)
        for (int[] size : new int[][] {{32, 48}, {0, 0}, {-1, -1}, {640, 480}}) {
            BufferedImage up = d.matching(size[0], size[1]);
            assertEquals(32, up.getWidth());
            assertEquals(48, up.getHeight());
            assertTrue(isRed(up.getRGB(24, 12)), "red at the top right: " + Integer.toHexString(up.getRGB(24, 12)));
        }
    }

    private static boolean isRed(int rgb) {
        return (rgb >> 16 & 0xff) > 250 && (rgb >> 8 & 0xff) < 4 && (rgb & 0xff) < 4;
    }

    @Test
    void readsGreyAndAlphaAsPilsConvertRgb(@TempDir Path dir) throws IOException {
        // PIL's convert("RGB") copies a grey level into R, G and B and drops alpha
        BufferedImage grey = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(1, 0, 0, 100);
        grey.getRaster().setSample(2, 1, 0, 200);
        Path greyPng = dir.resolve("grey.png");
        ImageIO.write(grey, "png", greyPng.toFile());
        BufferedImage g = ImageDecoder.read(greyPng);
        assertEquals(0x646464, g.getRGB(1, 0) & 0xffffff);
        assertEquals(0xc8c8c8, g.getRGB(2, 1) & 0xffffff);
        assertEquals(0, g.getRGB(0, 0) & 0xffffff);

        BufferedImage rgba = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        rgba.setRGB(0, 0, 0x10203040);
        rgba.setRGB(1, 0, 0xff506070);
        Path rgbaPng = dir.resolve("rgba.png");
        ImageIO.write(rgba, "png", rgbaPng.toFile());
        BufferedImage a = ImageDecoder.read(rgbaPng);
        assertEquals(0x203040, a.getRGB(0, 0) & 0xffffff, "colour kept, alpha dropped (not composited)");
        assertEquals(0x506070, a.getRGB(1, 0) & 0xffffff);
    }

    @Test
    void theDjlImageHasTheUprightPixels() throws Exception {
        Image image = ImageDecoder.readImage(fixture("orientation_8.jpg"));
        try (NDManager manager = NDManager.newBaseManager()) {
            var hwc = image.toNDArray(manager, Image.Flag.COLOR);
            assertArrayEquals(new long[] {48, 32, 3}, hwc.getShape().getShape());
            // orientation 8 turns the stored picture counter-clockwise: its red corner ends bottom left
            byte[] px = hwc.get(40, 4).toType(DataType.UINT8, false).toByteArray();
            assertTrue((px[0] & 0xff) > 250 && (px[1] & 0xff) < 4 && (px[2] & 0xff) < 4, Arrays.toString(px));
        }
        // tools/predict draws on a copy: DJL's copy of a BufferedImage expects byte-backed pixels
        Image copy = image.duplicate();
        assertEquals(32, copy.getWidth());
        assertEquals(48, copy.getHeight());
    }

    @Test
    void everyListedSuffixIsAFormatItDecodes(@TempDir Path dir) throws IOException {
        BufferedImage image = new BufferedImage(5, 3, BufferedImage.TYPE_3BYTE_BGR);
        image.setRGB(1, 1, 0xff0000);
        for (String suffix : ImageDecoder.FILE_SUFFIXES) {
            Path file = dir.resolve("image" + suffix.toUpperCase(Locale.ROOT));
            assertTrue(ImageIO.write(image, suffix.substring(1), file.toFile()), "a writer for " + suffix);
            assertTrue(ImageDecoder.isImageFile(file.getFileName().toString()), suffix);
            BufferedImage decoded = ImageDecoder.read(file);
            assertEquals(5, decoded.getWidth(), suffix);
            assertEquals(3, decoded.getHeight(), suffix);
        }
        assertFalse(ImageDecoder.isImageFile("photo.webp"));
        assertFalse(ImageDecoder.isImageFile("list.txt"));
    }

    @Test
    void anUndecodableFileIsNamedInTheError(@TempDir Path dir) throws IOException {
        Path text = dir.resolve("notes.jpg");
        Files.writeString(text, "not an image");
        IOException e = assertThrows(IOException.class, () -> ImageDecoder.read(text));
        assertTrue(e.getMessage().startsWith(text + ": cannot decode image"), e.getMessage());
        Path missing = dir.resolve("missing.png");
        IOException m = assertThrows(IOException.class, () -> ImageDecoder.read(missing));
        assertEquals(missing + ": no such image file", m.getMessage());
    }

    @Test
    void aDamagedExifSegmentMeansAsStored() throws Exception {
        byte[] good = Files.readAllBytes(fixture("orientation_6.jpg"));
        assertEquals(6, ExifOrientation.of(good));
        // every truncation, and every single-byte change in the first 80 bytes, either keeps the
        // tag, loses it (1), or reads another valid value: never an exception
        for (int n = 0; n < 80; n++) {
            int o = ExifOrientation.of(Arrays.copyOf(good, n));
            assertTrue(o == 1 || o == 6, "truncated to " + n + ": " + o);
            for (int v : new int[] {0x00, 0xff, 0x7f}) {
                byte[] b = good.clone();
                b[n] = (byte) v;
                int changed = ExifOrientation.of(b);
                assertTrue(changed >= 1 && changed <= 8, "byte " + n + " = " + v + ": " + changed);
            }
        }
        assertEquals(1, ExifOrientation.of(Files.readAllBytes(fixture("cmyk.jpg"))), "no EXIF");
        assertEquals(1, ExifOrientation.of(new byte[] {(byte) 0x89, 'P', 'N', 'G'}), "not a JPEG");
    }

    /**
     * The bytes of a PNG whose header declares {@code width x height} 8-bit RGB pixels and that
     * holds no pixel data: what a decompression bomb's header looks like to a decoder.
     */
    static byte[] pngHeader(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(17)
                .put("IHDR".getBytes(StandardCharsets.US_ASCII))
                .putInt(width)
                .putInt(height)
                .put(new byte[] {8, 2, 0, 0, 0}); // 8 bits, RGB, deflate, adaptive filter, no interlace
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        return ByteBuffer.allocate(8 + 4 + 17 + 4)
                .put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})
                .putInt(13)
                .put(ihdr.array())
                .putInt((int) crc.getValue())
                .array();
    }

    @Test
    void anImageOverThePixelBudgetIsRefusedFromItsHeaderBeforeDecoding() throws IOException {
        // 10^10 pixels: 30 GB as RGB; refused from the 33 bytes of its header
        IOException bomb =
                assertThrows(IOException.class, () -> ImageDecoder.decode(pngHeader(100_000, 100_000), "bomb.png"));
        assertEquals(
                "bomb.png: image of 100000 x 100000 pixels, more than the budget of 178956970 pixels"
                        + " (-Dcardinal.image.max_pixels=N to change it): not decoded",
                bomb.getMessage());

        BufferedImage small = new BufferedImage(40, 30, BufferedImage.TYPE_3BYTE_BGR);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(small, "png", png);
        byte[] bytes = png.toByteArray();
        assertEquals(40, ImageDecoder.decode(bytes, "small.png", 1200).stored().getWidth(), "40 x 30 = 1200 fits");
        IOException over = assertThrows(IOException.class, () -> ImageDecoder.decode(bytes, "small.png", 1199));
        assertTrue(over.getMessage().startsWith("small.png: image of 40 x 30 pixels, more than the budget of 1199"));

        // the JVM's budget comes from the system property
        System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, "1199");
        try {
            assertEquals(1199, ImageDecoder.maxPixels());
            assertThrows(IOException.class, () -> ImageDecoder.decode(bytes, "small.png"));
            System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, "lots");
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, ImageDecoder::maxPixels);
            assertEquals("-Dcardinal.image.max_pixels=lots: expected a positive number of pixels", bad.getMessage());
        } finally {
            System.clearProperty(ImageDecoder.MAX_PIXELS_PROPERTY);
        }
        assertEquals(ImageDecoder.DEFAULT_MAX_PIXELS, ImageDecoder.maxPixels());
    }
}
