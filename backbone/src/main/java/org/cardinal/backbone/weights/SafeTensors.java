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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.cardinal.core.io.AtomicFiles;

/**
 * Reader and writer of the safetensors format: an 8-byte little-endian header length N, N bytes
 * of JSON ({@code name -> {dtype, shape, data_offsets: [begin, end)}} plus an optional
 * {@code __metadata__} string map), then the raw little-endian tensor bytes. Offsets are relative
 * to the first byte after the header. Nothing in the file is trusted: every offset and size is
 * checked against the file length and the tensor's shape.
 */
public final class SafeTensors {
    private static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {}

    /** Reads all tensors (in header order) and the metadata of a safetensors file. */
    public static StateDict read(Path file) throws IOException {
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
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8, file);
            JsonObject header;
            try {
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
            List<long[]> ranges = new ArrayList<>();
            List<String> rangeNames = new ArrayList<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                String name = e.getKey();
                if (name.equals("__metadata__")) {
                    readMetadata(file, e.getValue(), sd);
                    continue;
                }
                Entry entry = parseEntry(file, name, e.getValue());
                long begin = entry.begin;
                long end = entry.end;
                long expected = TensorData.numel(entry.shape) * entry.dtype.byteSize();
                if (begin < 0 || end < begin || end > dataLen) {
                    throw new WeightsFormatException(
                            file,
                            "tensor '" + name + "': data_offsets [" + begin + ", " + end
                                    + ") outside the data section of " + dataLen + " bytes (file truncated?)");
                }
                if (end - begin != expected) {
                    throw new WeightsFormatException(
                            file,
                            "tensor '" + name + "': data_offsets cover " + (end - begin)
                                    + " bytes but dtype " + entry.dtype + " and shape "
                                    + java.util.Arrays.toString(entry.shape)
                                    + " need " + expected);
                }
                if (expected > Integer.MAX_VALUE - 16) {
                    throw new WeightsFormatException(file, "tensor '" + name + "' is larger than 2 GiB");
                }
                ByteBuffer buf = ByteBuffer.allocate((int) expected);
                readFully(ch, buf, dataStart + begin, file);
                sd.put(name, new TensorData(entry.dtype, entry.shape, buf.array()));
                ranges.add(new long[] {begin, end, ranges.size()});
                rangeNames.add(name);
            }
            checkNoOverlap(file, ranges, rangeNames);
            return sd;
        } catch (NoSuchFileException e) {
            throw new WeightsFormatException(file, "no such file", e);
        }
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

    private record Entry(TensorDType dtype, long[] shape, long begin, long end) {}

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
                shape[i] = sa.get(i).getAsLong();
                if (shape[i] < 0) {
                    throw new WeightsFormatException(file, where + "negative dimension in 'shape'");
                }
            }
            JsonElement off = o.get("data_offsets");
            if (off == null || !off.isJsonArray() || off.getAsJsonArray().size() != 2) {
                throw new WeightsFormatException(file, where + "field 'data_offsets' must be [begin, end]");
            }
            return new Entry(
                    dtype,
                    shape,
                    off.getAsJsonArray().get(0).getAsLong(),
                    off.getAsJsonArray().get(1).getAsLong());
        } catch (IllegalStateException | NumberFormatException | UnsupportedOperationException e) {
            throw new WeightsFormatException(file, where + "malformed header entry: " + e.getMessage(), e);
        } catch (ArithmeticException e) {
            throw new WeightsFormatException(file, where + "shape too large", e);
        }
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

    private static void checkNoOverlap(Path file, List<long[]> ranges, List<String> names)
            throws WeightsFormatException {
        ranges.sort(Comparator.comparingLong(r -> r[0]));
        for (int i = 1; i < ranges.size(); i++) {
            long[] prev = ranges.get(i - 1);
            long[] cur = ranges.get(i);
            if (cur[0] < prev[1] && cur[1] > cur[0]) {
                throw new WeightsFormatException(
                        file,
                        "tensors '" + names.get((int) prev[2]) + "' and '" + names.get((int) cur[2])
                                + "' overlap in the data section");
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
