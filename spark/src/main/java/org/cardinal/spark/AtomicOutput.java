package org.cardinal.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Writes one output file of the driver on any Hadoop file system so that a reader never sees
 * half of it: into a hidden temporary file beside the target, then renamed over it (atomically
 * on a local disk; on other file systems the old file is removed first, as their rename does not
 * replace).
 */
final class AtomicOutput {

    /** The body that writes the file's bytes. */
    @FunctionalInterface
    interface Body {
        void write(OutputStream out) throws IOException;
    }

    private AtomicOutput() {}

    /** Writes {@code target} through {@code body}. */
    static void write(FileSystem fs, Path target, Body body) throws IOException {
        Path tmp = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (OutputStream out = fs.create(tmp, false)) {
                body.write(out);
            }
            if (fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem) {
                Files.move(
                        java.nio.file.Path.of(fs.makeQualified(tmp).toUri()),
                        java.nio.file.Path.of(fs.makeQualified(target).toUri()),
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } else {
                if (fs.exists(target)) {
                    fs.delete(target, false);
                }
                if (!fs.rename(tmp, target)) {
                    throw new IOException("cannot rename " + tmp + " to " + target);
                }
            }
        } finally {
            if (fs.exists(tmp)) {
                fs.delete(tmp, false);
            }
        }
        // the checksum file Hadoop's local file system writes beside the temporary one
        Path crc = new Path(tmp.getParent(), "." + tmp.getName() + ".crc");
        if (fs.exists(crc)) {
            fs.delete(crc, false);
        }
    }
}
