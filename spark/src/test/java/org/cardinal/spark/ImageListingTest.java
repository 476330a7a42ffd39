package org.cardinal.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How --images becomes the job's list, without Spark: Hadoop's local file system only. */
class ImageListingTest {

    private static List<String> names(List<ImageRef> refs) {
        return refs.stream().map(r -> r.fileName() + "=" + r.imageId()).toList();
    }

    @Test
    void aFolderGlobOrListGivesImagesNumberedAsPredictNumbersThem(@TempDir Path dir) throws Exception {
        for (String f : List.of("000012.png", "b.JPG", "a.jpeg", "notes.txt", "7.bmp", "c.tif", "d.webp")) {
            Files.writeString(dir.resolve(f), "x");
        }
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub").resolve("000003.png"), "x");
        Configuration conf = new Configuration();

        // a folder: its image files by name, not recursive; ids from the name's number, else the position
        List<ImageRef> folder = ImageListing.list(dir.toString(), conf);
        assertEquals(List.of("000012.png=12", "7.bmp=7", "a.jpeg=3", "b.JPG=4", "c.tif=5"), names(folder));
        assertTrue(folder.get(0).path().startsWith("file:/"), folder.get(0).path());
        assertEquals(
                List.of(1L, 2L, 3L, 4L, 5L),
                folder.stream().map(ImageRef::position).toList());

        assertEquals(
                List.of("000012.png=12", "7.bmp=7"),
                names(ImageListing.list(dir.resolve("*[0-9].*").toString(), conf)));

        Path list = dir.resolve("list.txt");
        Files.writeString(list, "# comment\nsub/000003.png\n\n" + dir.resolve("a.jpeg") + "\nmissing.png\n");
        assertEquals(
                List.of("000003.png=3", "a.jpeg=2", "missing.png=3"), names(ImageListing.list(list.toString(), conf)));
    }

    @Test
    void nothingToReadNamesTheOption(@TempDir Path dir) throws Exception {
        Configuration conf = new Configuration();
        IllegalArgumentException none =
                assertThrows(IllegalArgumentException.class, () -> ImageListing.list(dir.toString(), conf));
        assertEquals(
                "--images " + dir + ": no image files (.png, .jpg, .jpeg, .bmp, .gif, .tif, .tiff) in the folder",
                none.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> ImageListing.list(dir.resolve("*.png").toString(), conf));
        assertThrows(
                IllegalArgumentException.class,
                () -> ImageListing.list(dir.resolve("absent").toString(), conf));
        // a single file that is neither an image it reads nor a text list
        Path webp = dir.resolve("photo.webp");
        Files.write(webp, new byte[] {'R', 'I', 'F', 'F', 0x24, 0, 0, 0, 'W', 'E', 'B', 'P', (byte) 0x9d, 0x01});
        assertEquals(
                "--images " + webp + ": neither an image file (.png, .jpg, .jpeg, .bmp, .gif, .tif, .tiff) nor a list"
                        + " file (text, one path a line)",
                assertThrows(IllegalArgumentException.class, () -> ImageListing.list(webp.toString(), conf))
                        .getMessage());
    }

    @Test
    void smallSetsGetAboutFourTasksPerCoreLargeOnesAtMost256ImagesATask() {
        assertEquals(8, DetectionJob.partitions(16, 2));
        assertEquals(1, DetectionJob.partitions(1, 8));
        assertEquals(3907, DetectionJob.partitions(1_000_000, 100));
    }
}
