package org.cardinal.backbone.pretrain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An image-classification split in torchvision's {@code ImageFolder} layout: {@code
 * root/<class>/**&#47;*.JPEG}. This is ImageNet's {@code train/<wnid>/} and {@code val/<wnid>/}
 * layout.
 *
 * <p>Classes are the sub-folder names sorted by code point, indexed from 0, exactly as torchvision's
 * {@code find_classes}; files are those with one of torchvision's image extensions
 * (case-insensitive), walked recursively and ordered by folder then file name, as {@code
 * make_dataset} does. Only the listing happens here: nothing is decoded, so a corrupt file is
 * noticed (and skipped) by the {@link ClassificationLoader} that reads it.
 *
 * <p>DJL's {@code basicdataset} ImageFolder lists the same layout, but it decodes and augments
 * inside {@code get} with a global unseeded random source and throws on a corrupt file; a
 * multi-day run needs both reproducible augmentation (for exact resume) and skipping, hence this
 * small listing plus {@link ClassificationLoader}.
 */
public final class ImageFolderDataset {
    /** torchvision's {@code IMG_EXTENSIONS}. */
    static final Set<String> EXTENSIONS =
            Set.of(".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp");

    private final Path root;
    private final List<String> classes;
    private final List<Path> files;
    private final int[] labels;

    private ImageFolderDataset(Path root, List<String> classes, List<Path> files, int[] labels) {
        this.root = root;
        this.classes = classes;
        this.files = files;
        this.labels = labels;
    }

    /**
     * Lists a split folder with its own classes.
     *
     * @throws IOException naming the folder when it is missing, has no class folders, or a class
     *     folder holds no image
     */
    public static ImageFolderDataset open(Path root) throws IOException {
        return open(root, null);
    }

    /**
     * Lists a split folder whose class index comes from another split (the validation split uses
     * the training split's classes, so label {@code i} means the same class in both).
     *
     * @param classes the class names in index order, or null to take them from {@code root}
     * @throws IOException naming the folder when it is missing, holds a class not in {@code
     *     classes}, or a class folder holds no image
     */
    public static ImageFolderDataset open(Path root, List<String> classes) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException(root + ": image folder not found (expected <class>/<image> files)");
        }
        List<String> found = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(Files::isDirectory).forEach(p -> found.add(p.getFileName().toString()));
        }
        Collections.sort(found);
        if (found.isEmpty()) {
            throw new IOException(root + ": no class folders (expected <class>/<image> files, e.g. n01440764/x.JPEG)");
        }
        List<String> index = classes == null ? List.copyOf(found) : List.copyOf(classes);
        Map<String, Integer> toIndex = new HashMap<>();
        for (int i = 0; i < index.size(); i++) {
            toIndex.put(index.get(i), i);
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (String cls : found) {
            Integer label = toIndex.get(cls);
            if (label == null) {
                throw new IOException(root.resolve(cls)
                        + ": class folder not among the training classes ("
                        + index.size()
                        + " classes)");
            }
            List<Path> images = listImages(root.resolve(cls));
            if (images.isEmpty()) {
                throw new IOException(
                        root.resolve(cls) + ": class folder holds no image (extensions " + EXTENSIONS + ")");
            }
            for (Path p : images) {
                files.add(p);
                labels.add(label);
            }
        }
        int[] l = labels.stream().mapToInt(Integer::intValue).toArray();
        return new ImageFolderDataset(root, index, List.copyOf(files), l);
    }

    private static List<Path> listImages(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir, Integer.MAX_VALUE, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
            List<Path> out = new ArrayList<>();
            s.filter(Files::isRegularFile).filter(ImageFolderDataset::isImage).forEach(out::add);
            // os.walk order as torchvision sorts it: by folder path, then by file name.
            out.sort(Comparator.comparing((Path p) -> p.getParent().toString())
                    .thenComparing(p -> p.getFileName().toString()));
            return out;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    static boolean isImage(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(name.substring(dot));
    }

    /** The split folder. */
    public Path root() {
        return root;
    }

    /** Class names in index order. */
    public List<String> classes() {
        return classes;
    }

    /** Number of images. */
    public int size() {
        return files.size();
    }

    /** The file of image {@code i}. */
    public Path file(int i) {
        return files.get(i);
    }

    /** The class index of image {@code i}. */
    public int label(int i) {
        return labels[i];
    }
}
