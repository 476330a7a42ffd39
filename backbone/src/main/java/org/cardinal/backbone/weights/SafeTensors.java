package org.cardinal.backbone.weights;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.cardinal.core.io.AtomicFiles;

/**
 * Reader and writer of the safetensors format: an 8-byte little-endian header length N, N bytes
 * of JSON ({@code name -> {dtype, shape, data_offsets: [begin, end)}} plus an optional
 * {@code __metadata__} string map), then the raw little-endian tensor bytes. Offsets are relative
 * to the first byte after the header. Nothing in the file is trusted: every offset and size is
 * checked against the file length and the tensor's shape, all before any tensor is read, and the
 * reader allocates within a {@link ReadBudget}.
 */
public final class SafeTensors {
    private static final long MAX_HEADER = 100L << 20;
    /** What the budget counts per header byte: the JSON text, its decoded string and the parsed tree. */
    private static final int HEADER_COST = 16;

    private SafeTensors() {}

    /** Reads all tensors (in header order) and the metadata of a safetensors file, within the default budget. */
    public static StateDict read(Path file) throws IOException {
        return read(file, ReadBudget.forFile(file, 0));
    }

    /**
     * Reads a safetensors file within {@code budget}. The whole header is checked before any tensor
     * is read: every dtype and shape, every range in bounds, of the size its shape and dtype give
     * (overflow-checked), no two ranges overlapping, and the total within the budget.
     */
    static StateDict read(Path file, ReadBudget budget) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new WeightsFormatException(file, "not a safetensors file: " + size + " bytes, need at least 8");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || headerLen > size - 8) {
                throw new WeightsFormatException(
                        file,
                        "safetensors header length " + headerLen + " does not fit the file of " + size + " bytes");
            }
            budget.charge(HEADER_COST * headerLen, () -> "the safetensors header (" + headerLen + " bytes)");
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8, file);
            JsonObject header;
            try {
                // Gson builds the tree without recursion; nothing below recurses into it either
                JsonElement el = JsonParser.parseString(new String(headerBuf.array(), StandardCharsets.UTF_8));
                if (!el.isJsonObject()) {
                    throw new WeightsFormatException(file, "safetensors header is not a JSON object");
                }
                header = el.getAsJsonObject();
            } catch (JsonParseException e) {
                throw new WeightsFormatException(file, "malformed safetensors header JSON: " + e.getMessage(), e);
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            StateDict sd = new StateDict();
            List<Entry> entries = new ArrayList<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    readMetadata(file, e.getValue(), sd);
                } else {
                    entries.add(checked(file, parseEntry(file, e.getKey(), e.getValue()), dataLen));
                }
            }
            checkNoOverlap(file, entries);
            for (Entry entry : entries) {
                long bytes = entry.end - entry.begin;
                budget.charge(bytes, () -> "tensor '" + entry.name + "' (" + bytes + " bytes)");
            }
            for (Entry entry : entries) {
                ByteBuffer buf = ByteBuffer.allocate((int) (entry.end - entry.begin));
                readFully(ch, buf, dataStart + entry.begin, file);
                sd.put(entry.name, new TensorData(entry.dtype, entry.shape, buf.array()));
            }
            return sd;
        } catch (NoSuchFileException e) {
            throw new WeightsFormatException(file, "no such file", e);
        }
    }

    /** The entry if its range lies in the data section and holds exactly what its dtype and shape need. */
    private static Entry checked(Path file, Entry entry, long dataLen) throws WeightsFormatException {
        String name = entry.name;
        long begin = entry.begin;
        long end = entry.end;
        if (begin < 0 || end < begin || end > dataLen) {
            throw new WeightsFormatException(
                    file,
                    "tensor '" + name + "': data_offsets [" + begin + ", " + end + ") outside the data section of "
                            + dataLen + " bytes (file truncated?)");
        }
        long expected;
        try {
            expected = TensorData.byteSize(entry.dtype, entry.shape);
        } catch (IllegalArgumentException e) {
            throw new WeightsFormatException(
                    file,
                    "tensor '" + name + "': shape " + Arrays.toString(entry.shape) + " of dtype " + entry.dtype
                            + " overflows a 64-bit size",
                    e);
        }
        if (end - begin != expected) {
            throw new WeightsFormatException(
                    file,
                    "tensor '" + name + "': data_offsets cover " + (end - begin) + " bytes but dtype " + entry.dtype
                            + " and shape " + Arrays.toString(entry.shape) + " need " + expected);
        }
        if (expected > Integer.MAX_VALUE - 16) {
            throw new WeightsFormatException(file, "tensor '" + name + "' is larger than 2 GiB");
        }
        return entry;
    }

    /** Writes {@code sd} atomically as safetensors (header padded with spaces to 8 bytes). */
    public static void write(Path file, StateDict sd) throws IOException {
        JsonObject header = new JsonObject();
        if (!sd.metadata().isEmpty()) {
            JsonObject meta = new JsonObject();
            sd.metadata().forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        long offset = 0;
        for (Map.Entry<String, TensorData> e : sd.entries()) {
            TensorData t = e.getValue();
            JsonObject o = new JsonObject();
            o.addProperty("dtype", t.dtype().name());
            JsonArray shape = new JsonArray();
            for (long d : t.shape()) {
                shape.add(d);
            }
            o.add("shape", shape);
            JsonArray offs = new JsonArray();
            offs.add(offset);
            offs.add(offset + t.data().length);
            o.add("data_offsets", offs);
            header.add(e.getKey(), o);
            offset += t.data().length;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            headerBytes[i] = ' ';
        }
        AtomicFiles.write(file, out -> {
            ByteBuffer len =
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
            out.write(len.array());
            out.write(headerBytes);
            for (Map.Entry<String, TensorData> e : sd.entries()) {
                out.write(e.getValue().data());
            }
        });
    }

    private record Entry(String name, TensorDType dtype, long[] shape, long begin, long end) {}

    private static Entry parseEntry(Path file, String name, JsonElement value) throws WeightsFormatException {
        String where = "tensor '" + name + "': ";
        if (!value.isJsonObject()) {
            throw new WeightsFormatException(file, where + "header entry is not an object");
        }
        JsonObject o = value.getAsJsonObject();
        try {
            JsonElement dt = o.get("dtype");
            if (dt == null || !dt.isJsonPrimitive()) {
                throw new WeightsFormatException(file, where + "missing field 'dtype'");
            }
            TensorDType dtype = TensorDType.fromSafetensorsName(dt.getAsString());
            if (dtype == null) {
                throw new WeightsFormatException(
                        file,
                        where + "unsupported dtype '" + dt.getAsString()
                                + "' (expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
            }
            JsonElement sh = o.get("shape");
            if (sh == null || !sh.isJsonArray()) {
                throw new WeightsFormatException(file, where + "missing field 'shape' (a list of dimensions)");
            }
            JsonArray sa = sh.getAsJsonArray();
            long[] shape = new long[sa.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = integer(file, where + "'shape'", sa.get(i));
                if (shape[i] < 0) {
                    throw new WeightsFormatException(file, where + "negative dimension in 'shape'");
                }
            }
            JsonElement off = o.get("data_offsets");
            if (off == null || !off.isJsonArray() || off.getAsJsonArray().size() != 2) {
                throw new WeightsFormatException(file, where + "field 'data_offsets' must be [begin, end]");
            }
            return new Entry(
                    name,
                    dtype,
                    shape,
                    integer(file, where + "'data_offsets'", off.getAsJsonArray().get(0)),
                    integer(file, where + "'data_offsets'", off.getAsJsonArray().get(1)));
        } catch (IllegalStateException | NumberFormatException | UnsupportedOperationException e) {
            throw new WeightsFormatException(file, where + "malformed header entry: " + e.getMessage(), e);
        }
    }

    /** A JSON integer that fits a long exactly (no fraction, no silent wrap-around). */
    private static long integer(Path file, String where, JsonElement e) throws WeightsFormatException {
        try {
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
                return e.getAsBigDecimal().longValueExact();
            }
        } catch (ArithmeticException | NumberFormatException ex) {
            // reported below
        }
        throw new WeightsFormatException(
                file,
                where + " holds " + (e.isJsonPrimitive() ? e : "a JSON " + (e.isJsonArray() ? "list" : "object"))
                        + ", expected an integer of 64 bits");
    }

    private static void readMetadata(Path file, JsonElement value, StateDict sd) throws WeightsFormatException {
        if (!value.isJsonObject()) {
            throw new WeightsFormatException(file, "'__metadata__' must be an object of strings");
        }
        for (Map.Entry<String, JsonElement> m : value.getAsJsonObject().entrySet()) {
            if (!m.getValue().isJsonPrimitive()) {
                throw new WeightsFormatException(file, "'__metadata__." + m.getKey() + "' must be a string");
            }
            sd.metadata().put(m.getKey(), m.getValue().getAsString());
        }
    }

    /** Sorted by begin, each non-empty range must start at or after the furthest end before it. */
    private static void checkNoOverlap(Path file, List<Entry> entries) throws WeightsFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin));
        Entry furthest = null;
        for (Entry cur : sorted) {
            if (cur.end == cur.begin) {
                continue;
            }
            if (furthest != null && cur.begin < furthest.end) {
                throw new WeightsFormatException(
                        file,
                        "tensors '" + furthest.name + "' and '" + cur.name + "' overlap in the data section (["
                                + furthest.begin + ", " + furthest.end + ") and [" + cur.begin + ", " + cur.end + "))");
            }
            if (furthest == null || cur.end > furthest.end) {
                furthest = cur;
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        long p = pos;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, p);
            if (n < 0) {
                throw new WeightsFormatException(file, "unexpected end of file at byte " + p);
            }
            p += n;
        }
        buf.flip();
    }
}
