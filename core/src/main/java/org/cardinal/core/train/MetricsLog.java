package org.cardinal.core.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.core.io.AtomicFiles;

/**
 * A run's metrics as JSON lines (conventionally {@value #FILE} in the run folder): one object per
 * line, appended and flushed at once, so that a plot can follow a live run and a crash loses
 * nothing already logged.
 *
 * <p>Each record carries its position in the run under a field the caller names ({@code "step"}
 * for pretraining, {@code "iteration"} for detector training). A run that resumes from a
 * checkpoint taken at position {@code p} keeps the lines with position {@code <= p} and drops the
 * rest (written by the interrupted run after its last checkpoint), so the resumed log has no
 * duplicates; a last line cut short by a crash, or a record without the position, is dropped too,
 * while any other malformed line stops the resume with an error rather than being lost. A fresh
 * run starts the file over. What the records hold is up to the caller.
 */
public final class MetricsLog implements AutoCloseable {

    /** Conventional file name in a run folder. */
    public static final String FILE = "metrics.jsonl";

    private final Path file;
    private final List<JsonObject> records = new ArrayList<>();
    private final BufferedWriter out;

    /**
     * Opens a log, starting it over or continuing it.
     *
     * @param file the log file; its folder must exist
     * @param positionField the field that holds a record's position in the run
     * @param keepUpTo keep existing records whose position is {@code <= keepUpTo}; a negative
     *     value starts afresh
     */
    public MetricsLog(Path file, String positionField, long keepUpTo) throws IOException {
        this.file = file;
        // Keep what the run already logged up to keepUpTo (read() refuses a malformed line other
        // than a last one cut short by a crash), rewrite that atomically, then append.
        StringBuilder sb = new StringBuilder();
        if (keepUpTo >= 0) {
            for (JsonObject o : read(file)) {
                JsonElement position = o.get(positionField);
                if (position != null && position.isJsonPrimitive() && position.getAsLong() <= keepUpTo) {
                    records.add(o);
                    sb.append(o).append('\n');
                }
            }
        }
        AtomicFiles.writeString(file, sb.toString());
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    /** Appends one record and flushes it. */
    public void log(JsonObject record) throws IOException {
        records.add(record);
        out.write(record.toString());
        out.write('\n');
        out.flush();
    }

    /**
     * Reads a log written by this class. The last line of a run killed mid-write may be cut short
     * and is dropped; any other line that is not a JSON object is an error.
     *
     * @param file the log file
     * @return its records in order; empty when the file does not exist
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming the file and line of a malformed line
     */
    public static List<JsonObject> read(Path file) throws IOException {
        List<JsonObject> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank()) {
                continue;
            }
            JsonElement e = null;
            try {
                e = JsonParser.parseString(line);
            } catch (RuntimeException ex) {
                // handled below
            }
            if (e == null || !e.isJsonObject()) {
                if (n == lines.size() - 1) {
                    continue; // cut short by a crash
                }
                String shown = line.length() > 60 ? line.substring(0, 57) + "..." : line;
                throw new IllegalArgumentException(
                        file + ": line " + (n + 1) + ": expected a JSON object, found '" + shown + "'");
            }
            out.add(e.getAsJsonObject());
        }
        return out;
    }

    /** All records so far, including those kept from before a resume. */
    public List<JsonObject> records() {
        return List.copyOf(records);
    }

    /** The log file. */
    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
