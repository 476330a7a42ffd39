package org.cardinal.backbone.pretrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDatasetTest {

    private static void image(Path file, int rgb) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(20, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 20; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void classIndexFollowsTorchvisionSortedFolderNames(@TempDir Path root) throws IOException {
        // torchvision sorts by code point: upper case before lower case.
        image(root.resolve("b/2.png"), 0);
        image(root.resolve("b/1.PNG"), 0);
        image(root.resolve("a/x.png"), 0);
        image(root.resolve("C/sub/deep.png"), 0);
        Files.writeString(root.resolve("a/notes.txt"), "not an image");
        ImageFolderDataset ds = ImageFolderDataset.open(root);
        assertEquals(List.of("C", "a", "b"), ds.classes());
        assertEquals(4, ds.size());
        List<String> names = new ArrayList<>();
        for (int i = 0; i < ds.size(); i++) {
            names.add(root.relativize(ds.file(i)) + "=" + ds.label(i));
        }
        assertEquals(List.of("C/sub/deep.png=0", "a/x.png=1", "b/1.PNG=2", "b/2.png=2"), names);
    }

    @Test
    void validationUsesTrainingClassIndexAndRejectsUnknownClass(@TempDir Path root) throws IOException {
        image(root.resolve("train/a/1.png"), 0);
        image(root.resolve("train/b/1.png"), 0);
        image(root.resolve("val/b/1.png"), 0);
        ImageFolderDataset train = ImageFolderDataset.open(root.resolve("train"));
        ImageFolderDataset val = ImageFolderDataset.open(root.resolve("val"), train.classes());
        assertEquals(1, val.label(0));
        image(root.resolve("val/zebra/1.png"), 0);
        IOException e =
                assertThrows(IOException.class, () -> ImageFolderDataset.open(root.resolve("val"), train.classes()));
        assertTrue(e.getMessage().contains("zebra"), e.getMessage());
    }

    @Test
    void emptyOrMissingFolderIsAnErrorNamingIt(@TempDir Path root) throws IOException {
        IOException missing = assertThrows(IOException.class, () -> ImageFolderDataset.open(root.resolve("nope")));
        assertTrue(missing.getMessage().contains("nope"));
        Files.createDirectories(root.resolve("empty/cls"));
        IOException empty = assertThrows(IOException.class, () -> ImageFolderDataset.open(root.resolve("empty")));
        assertTrue(empty.getMessage().contains("cls"), empty.getMessage());
    }

    @Test
    void corruptImageIsReportedOnceAndSkipped(@TempDir Path root) throws IOException {
        image(root.resolve("a/1.png"), 0x808080);
        image(root.resolve("a/2.png"), 0x808080);
        Files.createDirectories(root.resolve("b"));
        Files.write(root.resolve("b/broken.JPEG"), new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
        image(root.resolve("b/3.png"), 0x808080);
        ImageFolderDataset ds = ImageFolderDataset.open(root);
        List<String> warnings = new ArrayList<>();
        ClassificationTransform t = ClassificationTransform.eval(8, 8);
        int[] order = {0, 1, 2, 3};
        try (ClassificationLoader loader = new ClassificationLoader(2, 2, warnings::add)) {
            for (int epoch = 0; epoch < 3; epoch++) {
                Iterator<ClassificationLoader.HostBatch> it = loader.batches(ds, t, order, 4, false, 0, epoch, 0);
                ClassificationLoader.HostBatch b = it.next();
                assertEquals(3, b.count());
                // The broken file (index 2, class b) is gone; the image after it moved up.
                assertEquals(List.of(0L, 0L, 1L), List.of(b.labels()[0], b.labels()[1], b.labels()[2]));
            }
            assertEquals(1, loader.unreadableCount());
        }
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("broken.JPEG"), warnings.get(0));
    }
}
