package org.cardinal.spark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.cardinal.backbone.image.ImageDecoder;
import org.cardinal.detector.results.ImageIds;

/**
 * The images of {@code --images}, listed on the driver through Hadoop's {@link FileSystem} (so
 * {@code file:}, {@code hdfs:} and whatever connector the cluster has): a folder (its image files,
 * by name, not recursive), a glob (its matches, by path) or a list file (one path per line,
 * relative ones against the list's folder, blank lines and {@code #} comments skipped, in the
 * list's order). Image files are those Cardinal's decoder reads and tools/predict takes
 * ({@link ImageDecoder#FILE_SUFFIXES}); a single file that is none and is not text either is an
 * error. Image ids follow tools/predict's rule ({@link ImageIds}).
 *
 * <p>Paths of a list file are not checked here: a missing one is reported by the task that
 * cannot read it, as a failed image, rather than costing the driver a round trip per path.
 */
final class ImageListing {

    private ImageListing() {}

    /**
     * Lists the images of a folder, glob or list file.
     *
     * @throws IllegalArgumentException naming {@code --images} when nothing is there
     */
    static List<ImageRef> list(String spec, Configuration conf) throws IOException {
        Path path = new Path(spec);
        FileSystem fs = path.getFileSystem(conf);
        List<Path> files;
        if (isGlob(spec)) {
            FileStatus[] matches = fs.globStatus(path);
            files = matches == null
                    ? List.of()
                    : Arrays.stream(matches)
                            .filter(FileStatus::isFile)
                            .map(FileStatus::getPath)
                            .filter(ImageListing::isImage)
                            .sorted(Comparator.comparing(Path::toString))
                            .toList();
            if (files.isEmpty()) {
                throw new IllegalArgumentException(
                        "--images " + spec + ": no image files (" + suffixes() + ") match the pattern");
            }
        } else if (!fs.exists(path)) {
            throw new IllegalArgumentException("--images " + spec + ": no such file or folder");
        } else if (fs.getFileStatus(path).isDirectory()) {
            files = Arrays.stream(fs.listStatus(path))
                    .filter(FileStatus::isFile)
                    .map(FileStatus::getPath)
                    .filter(ImageListing::isImage)
                    .sorted(Comparator.comparing(Path::getName))
                    .toList();
            if (files.isEmpty()) {
                throw new IllegalArgumentException(
                        "--images " + spec + ": no image files (" + suffixes() + ") in the folder");
            }
        } else if (isImage(path)) {
            files = List.of(fs.makeQualified(path));
        } else {
            files = readList(fs, fs.makeQualified(path), spec);
        }
        List<ImageRef> refs = new ArrayList<>(files.size());
        for (Path f : files) {
            long position = refs.size() + 1;
            Path qualified = fs.makeQualified(f);
            refs.add(new ImageRef(
                    position, qualified.toString(), qualified.getName(), ImageIds.of(qualified.getName(), position)));
        }
        return refs;
    }

    private static List<Path> readList(FileSystem fs, Path list, String spec) throws IOException {
        IllegalArgumentException notText = new IllegalArgumentException("--images " + spec + ": neither an image file ("
                + suffixes() + ") nor a list file (text, one path a line)");
        CharsetDecoder strict = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<Path> files = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(list), strict))) {
            String line;
            while ((line = r.readLine()) != null) {
                String s = line.strip();
                if (s.indexOf('\0') >= 0) {
                    throw notText;
                }
                if (s.isEmpty() || s.startsWith("#")) {
                    continue;
                }
                Path p = new Path(s);
                files.add(
                        p.isAbsoluteAndSchemeAuthorityNull() || p.toUri().getScheme() != null
                                ? p
                                : new Path(list.getParent(), p));
            }
        } catch (CharacterCodingException e) {
            throw notText;
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("--images " + spec + ": the list file names no image (one path a line)");
        }
        return files;
    }

    private static boolean isGlob(String spec) {
        return spec.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }

    private static boolean isImage(Path p) {
        return ImageDecoder.isImageFile(p.getName());
    }

    private static String suffixes() {
        return String.join(", ", ImageDecoder.FILE_SUFFIXES);
    }
}
