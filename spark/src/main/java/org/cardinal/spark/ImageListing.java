package org.cardinal.spark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The images of {@code --images}, listed on the driver through Hadoop's {@link FileSystem} (so
 * {@code file:}, {@code hdfs:} and whatever connector the cluster has): a folder (its image files,
 * by name, not recursive), a glob (its matches, by path) or a list file (one path per line,
 * relative ones against the list's folder, blank lines and {@code #} comments skipped, in the
 * list's order). Image files are those tools/predict takes: .png, .jpg, .jpeg, .bmp, .gif.
 *
 * <p>Paths of a list file are not checked here: a missing one is reported by the task that
 * cannot read it, as a failed image, rather than costing the driver a round trip per path.
 */
final class ImageListing {

    static final List<String> IMAGE_SUFFIXES = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

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
                throw new IllegalArgumentException("--images " + spec + ": no image files ("
                        + String.join(", ", IMAGE_SUFFIXES) + ") match the pattern");
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
                throw new IllegalArgumentException("--images " + spec + ": no image files ("
                        + String.join(", ", IMAGE_SUFFIXES) + ") in the folder");
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
                    position, qualified.toString(), qualified.getName(), imageId(qualified.getName(), position)));
        }
        return refs;
    }

    private static List<Path> readList(FileSystem fs, Path list, String spec) throws IOException {
        List<Path> files = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(list), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String s = line.strip();
                if (s.isEmpty() || s.startsWith("#")) {
                    continue;
                }
                Path p = new Path(s);
                files.add(
                        p.isAbsoluteAndSchemeAuthorityNull() || p.toUri().getScheme() != null
                                ? p
                                : new Path(list.getParent(), p));
            }
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
        String name = p.getName().toLowerCase(Locale.ROOT);
        return IMAGE_SUFFIXES.stream().anyMatch(name::endsWith);
    }

    /**
     * The COCO image id tools/predict gives a file: the number its name ends with
     * ({@code 000123.png} -> 123, as COCO names its images), else its 1-based position.
     */
    static long imageId(String fileName, long position) {
        String digits = fileName.replaceFirst("\\.[^.]+$", "").replaceAll("^.*?(\\d+)$", "$1");
        if (digits.matches("\\d{1,18}")) {
            return Long.parseLong(digits);
        }
        return position;
    }
}
