package org.cardinal.backbone.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The bytes that reading one weight file may make the reader allocate, counted before each
 * allocation: zip entries at their declared size, materialized tensors at {@code numel * element
 * size}, the unpickler's objects and the state dict's names at an estimated cost. A file that asks
 * for more is refused with a {@link WeightsFormatException} naming the file and the tensor or entry,
 * before anything of that size is allocated, so a file of a few kB cannot ask for hundreds of GB
 * (through stride-0 or overlapping views, a zip entry that inflates past its size, or a pickle of
 * shared containers).
 *
 * <p>The default is {@value #FILE_FACTOR} times the file size plus {@value #MODEL_FACTOR} times the
 * bytes of the model the file is read for (when the caller knows it) plus 64 MiB: reading a
 * {@code torch.save} state dict needs about twice its file size (the storages, then one contiguous
 * copy per tensor). The system property {@value #PROPERTY}, else the environment variable
 * {@value #ENV}, replaces the default: a number of bytes with an optional {@code k}, {@code m} or
 * {@code g} suffix (powers of 1024), e.g. {@code 8g}.
 *
 * <p>Not thread-safe: one budget serves one read.
 */
final class ReadBudget {
    /** System property that replaces the default budget. */
    static final String PROPERTY = "cardinal.weights.budget";
    /** Environment variable that replaces the default budget when the property is not set. */
    static final String ENV = "CARDINAL_WEIGHTS_BUDGET";

    static final int FILE_FACTOR = 4;
    static final int MODEL_FACTOR = 2;
    static final long BASE = 64L << 20;

    private final Path file;
    private final long limit;
    private final String origin;
    private long used;

    private ReadBudget(Path file, long limit, String origin) {
        this.file = file;
        this.limit = limit;
        this.origin = origin;
    }

    /**
     * The budget for reading {@code file}: the override when one is set, else the default.
     *
     * @param fileSize the file's length in bytes
     * @param modelBytes the bytes of the parameters the file is read into, 0 when unknown
     * @throws IllegalArgumentException if the override is not a byte count
     */
    static ReadBudget forFile(Path file, long fileSize, long modelBytes) {
        String prop = System.getProperty(PROPERTY);
        if (prop != null) {
            return new ReadBudget(file, parseBytes(prop, "system property " + PROPERTY), "-D" + PROPERTY);
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return new ReadBudget(file, parseBytes(env, "environment variable " + ENV), ENV);
        }
        long def = saturatingAdd(
                saturatingAdd(BASE, saturatingMul(FILE_FACTOR, fileSize)), saturatingMul(MODEL_FACTOR, modelBytes));
        return new ReadBudget(file, def, "the default");
    }

    /**
     * The budget for reading {@code file}, sized from its length.
     *
     * @throws WeightsFormatException if the file does not exist
     */
    static ReadBudget forFile(Path file, long modelBytes) throws IOException {
        try {
            return forFile(file, Files.size(file), modelBytes);
        } catch (NoSuchFileException e) {
            throw new WeightsFormatException(file, "no such weights file", e);
        }
    }

    /** A budget of exactly {@code limit} bytes (tests, callers with their own policy). */
    static ReadBudget of(Path file, long limit) {
        return new ReadBudget(file, limit, "the caller");
    }

    /**
     * Counts {@code bytes} about to be allocated for {@code what} (built only for the error).
     *
     * @throws WeightsFormatException if the total would pass the limit (nothing is counted then)
     */
    void charge(long bytes, Supplier<String> what) throws WeightsFormatException {
        if (bytes < 0 || bytes > limit - used) {
            throw new WeightsFormatException(
                    file,
                    what.get() + " would make the reader allocate "
                            + (bytes < 0 ? "an overflowing number of" : bytes) + " bytes, beyond the budget of "
                            + limit + " bytes for this file (" + used + " already used; limit set by " + origin
                            + "); if the file is trusted, raise it with -D" + PROPERTY + "=SIZE or " + ENV
                            + "=SIZE (e.g. 16g)");
        }
        used += bytes;
    }

    /** Bytes counted so far. */
    long used() {
        return used;
    }

    /** The limit in bytes. */
    long limit() {
        return limit;
    }

    static long parseBytes(String text, String where) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        int shift = 0;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'k' -> shift = 10;
                case 'm' -> shift = 20;
                case 'g' -> shift = 30;
                default -> shift = -1;
            }
        }
        String digits = shift < 0 ? s : s.substring(0, s.length() - 1);
        try {
            long n = Long.parseLong(digits);
            if (n <= 0 || n > (Long.MAX_VALUE >> Math.max(shift, 0))) {
                throw new NumberFormatException();
            }
            return n << Math.max(shift, 0);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + " is '" + text
                    + "', expected a positive number of bytes with an optional k, m or g" + " suffix (e.g. 16g)");
        }
    }

    private static long saturatingMul(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return (hi == 0 && lo >= 0) ? lo : Long.MAX_VALUE;
    }

    private static long saturatingAdd(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }
}
