package org.cardinal.core.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The one way Cardinal writes a file or a folder that a user may depend on (checkpoints, models,
 * configs, reports, results): the content goes to a temporary name in the same folder, is flushed
 * to the disk, and then takes the target's name with one rename. A reader never sees a
 * half-written file, and a crash (or a full disk) at any point leaves the previous version
 * intact. Also the one recursive delete.
 */
public final class AtomicFiles {

    /** Receives the stream to write a file's content to. */
    @FunctionalInterface
    public interface Writer {
        /**
         * @param out where the whole content goes
         * @throws IOException if writing fails
         */
        void write(OutputStream out) throws IOException;
    }

    /** Fills a fresh, empty folder. */
    @FunctionalInterface
    public interface FolderWriter {
        /**
         * @param folder the empty folder to fill
         * @throws IOException if writing fails
         */
        void write(Path folder) throws IOException;
    }

    private AtomicFiles() {}

    /**
     * Writes {@code target} atomically; its folder is created when missing.
     *
     * @param target the file
     * @param writer writes the content
     * @throws IOException if writing fails (the old file, if any, is left as it was)
     */
    public static void write(Path target, Writer writer) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                writer.write(out);
            }
            sync(tmp);
            rename(tmp, abs);
            syncFolder(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * @param target the file
     * @param content its bytes
     * @throws IOException if writing fails
     */
    public static void write(Path target, byte[] content) throws IOException {
        write(target, out -> out.write(content));
    }

    /**
     * @param target the file
     * @param text its content, written as UTF-8
     * @throws IOException if writing fails
     */
    public static void writeString(Path target, String text) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes a whole folder atomically: {@code writer} fills a temporary sibling folder, which
     * takes the target's name once complete. An existing target is first renamed aside and
     * deleted only after the new folder is in place, so at every moment either the old or the new
     * folder is complete on the disk (after a crash between the two renames, the old one is
     * still there under its aside name, {@code .NAME.old-*}).
     *
     * @param target the folder
     * @param writer fills the new content
     * @throws IOException if writing fails (the old folder, if any, keeps its name and content)
     */
    public static void writeFolder(Path target, FolderWriter writer) throws IOException {
        Path abs = target.toAbsolutePath();
        Path parent = abs.getParent();
        Files.createDirectories(parent);
        String name = abs.getFileName().toString();
        Path tmp = Files.createTempDirectory(parent, "." + name + ".tmp-");
        try {
            writer.write(tmp);
            try (Stream<Path> files = Files.walk(tmp)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    sync(f);
                }
            }
            syncFolder(tmp);
            Path aside = null;
            if (Files.exists(abs)) {
                aside = parent.resolve("." + name + ".old-" + Long.toHexString(System.nanoTime()));
                rename(abs, aside);
            }
            rename(tmp, abs);
            syncFolder(parent);
            if (aside != null) {
                deleteTree(aside);
            }
        } finally {
            deleteTree(tmp);
        }
    }

    /**
     * Deletes a file or a folder with everything in it; nothing happens if it does not exist.
     *
     * @param root the file or folder
     * @throws IOException if something cannot be deleted
     */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void rename(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + from + " to " + to + " atomically on this file system", e);
        }
    }

    private static void sync(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.force(true);
        }
    }

    /** Makes a rename durable; some file systems cannot open a folder, and then it is skipped. */
    private static void syncFolder(Path dir) {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException e) {
            // not supported here: the rename itself is still atomic
        }
    }
}
