package org.cardinal.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.cardinal.core.io.AtomicFiles;

/**
 * Makes a file or folder of any Hadoop file system readable as a local {@link Path}: local paths
 * and {@code file:} URIs as they are; anything else ({@code hdfs:}, {@code s3a:}, ...) copied into
 * a temporary folder of the driver, because the model and ground-truth readers take local files.
 * The copies live until {@link #close}, which deletes them: a job keeps them while it runs (the
 * executors fetch the model folder from the driver).
 */
final class LocalCopies implements AutoCloseable {

    /** URI schemes that are not copied: local files, and the URLs a model repository reads itself. */
    private static final Set<String> DIRECT = Set.of("file", "http", "https", "jar");

    private final Configuration conf;
    private final List<Path> folders = new ArrayList<>();

    /** @param conf the Hadoop configuration of the remote file systems */
    LocalCopies(Configuration conf) {
        this.conf = conf;
    }

    /** Whether the spec names something on a Hadoop file system other than the local one. */
    static boolean isRemote(String spec) {
        String scheme = new org.apache.hadoop.fs.Path(spec).toUri().getScheme();
        return scheme != null && scheme.length() > 1 && !DIRECT.contains(scheme.toLowerCase(Locale.ROOT));
    }

    /**
     * The local path of a local spec, or a local copy of a remote one.
     *
     * @param option the command-line option, for messages
     * @throws IllegalArgumentException naming the option when the remote path does not exist
     */
    Path of(String spec, String option) throws IOException {
        if (!isRemote(spec)) {
            return spec.startsWith("file:") ? Path.of(java.net.URI.create(spec)) : Path.of(spec);
        }
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(spec);
        FileSystem fs = remote.getFileSystem(conf);
        if (!fs.exists(remote)) {
            throw new IllegalArgumentException(option + " " + spec + ": no such file or folder");
        }
        Path dir = Files.createTempDirectory("cardinal-spark-");
        folders.add(dir);
        Path local = dir.resolve(remote.getName());
        fs.copyToLocalFile(false, remote, new org.apache.hadoop.fs.Path(local.toUri()), true);
        return local;
    }

    /** Deletes every copy. */
    @Override
    public void close() throws IOException {
        for (Path dir : folders) {
            AtomicFiles.deleteTree(dir);
        }
        folders.clear();
    }
}
