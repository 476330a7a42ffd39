package org.cardinal.backbone.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cardinal.core.io.AtomicFiles;

/**
 * Reader and writer of NumPy's {@code .npy} format (versions 1.0 to 3.0): the magic
 * {@code \x93NUMPY}, a version, a little-endian header length, a Python-dict header
 * ({@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 224, 224), }}) and the raw
 * elements. Only C-order arrays of the dtypes in {@link TensorDType} are accepted; big-endian
 * data is converted.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /** Reads a whole .npy file into a C-order little-endian tensor. */
    public static TensorData read(Path file) throws IOException {
        byte[] all;
        try (InputStream in = Files.newInputStream(file)) {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 16) {
                throw new WeightsFormatException(file, "a .npy file of " + size + " bytes is larger than 2 GiB");
            }
            all = in.readNBytes((int) size);
        } catch (NoSuchFileException e) {
            throw new WeightsFormatException(file, "no such .npy file", e);
        }
        if (all.length < 10 || !startsWith(all, MAGIC)) {
            throw new WeightsFormatException(file, "not a .npy file (missing the \\x93NUMPY magic)");
        }
        int major = all[6] & 0xff;
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (all.length < 12) {
                throw new WeightsFormatException(file, "truncated .npy header");
            }
            headerLen = bb.getInt(8) & 0xffffffffL;
            headerStart = 12;
        } else {
            throw new WeightsFormatException(file, "unsupported .npy version " + major + "." + (all[7] & 0xff));
        }
        if (headerStart + headerLen > all.length) {
            throw new WeightsFormatException(file, "truncated .npy header");
        }
        String header = new String(
                all, headerStart, (int) headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(file, DESCR, header, "descr");
        if (group(file, FORTRAN, header, "fortran_order").equals("True")) {
            throw new WeightsFormatException(
                    file,
                    "field 'fortran_order' is True; only C-order arrays are supported "
                            + "(save np.ascontiguousarray(x))");
        }
        long[] shape = parseShape(file, group(file, SHAPE, header, "shape"));
        TensorDType dtype = dtypeOf(file, descr);
        long need;
        try {
            need = TensorData.byteSize(dtype, shape);
        } catch (IllegalArgumentException e) {
            throw new WeightsFormatException(file, "field 'shape': " + e.getMessage(), e);
        }
        int dataStart = (int) (headerStart + headerLen);
        if (all.length - dataStart != need) {
            throw new WeightsFormatException(
                    file,
                    "data holds " + (all.length - dataStart) + " bytes but dtype '" + descr + "' and shape "
                            + java.util.Arrays.toString(shape) + " need " + need);
        }
        byte[] data = new byte[(int) need];
        System.arraycopy(all, dataStart, data, 0, data.length);
        if (descr.charAt(0) == '>' && dtype.byteSize() > 1) {
            TensorData.swapBytes(data, dtype.byteSize());
        }
        return new TensorData(dtype, shape, data);
    }

    /** Writes a tensor as a version 1.0 .npy file, atomically. */
    public static void write(Path file, TensorData t) throws IOException {
        StringBuilder shape = new StringBuilder("(");
        for (long d : t.shape()) {
            shape.append(d).append(", ");
        }
        if (t.shape().length > 1) {
            shape.setLength(shape.length() - 2);
        } else if (t.shape().length == 1) {
            shape.setLength(shape.length() - 1);
        }
        shape.append(')');
        String dict = "{'descr': '" + descrOf(t.dtype()) + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = 10 + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        String header = dict + " ".repeat(padded - total) + "\n";
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        AtomicFiles.write(file, out -> {
            out.write(MAGIC);
            out.write(1);
            out.write(0);
            out.write(h.length & 0xff);
            out.write((h.length >>> 8) & 0xff);
            out.write(h);
            out.write(t.data());
        });
    }

    private static String descrOf(TensorDType t) {
        return switch (t) {
            case F64 -> "<f8";
            case F32 -> "<f4";
            case F16 -> "<f2";
            case I64 -> "<i8";
            case I32 -> "<i4";
            case I16 -> "<i2";
            case I8 -> "|i1";
            case U8 -> "|u1";
            case BOOL -> "|b1";
            case BF16 -> throw new IllegalArgumentException("numpy has no bfloat16 dtype; convert to float32 first");
        };
    }

    private static TensorDType dtypeOf(Path file, String descr) throws WeightsFormatException {
        String d = descr.length() == 3
                        && (descr.charAt(0) == '<'
                                || descr.charAt(0) == '>'
                                || descr.charAt(0) == '|'
                                || descr.charAt(0) == '=')
                ? descr.substring(1)
                : "?";
        TensorDType t = switch (d) {
            case "f8" -> TensorDType.F64;
            case "f4" -> TensorDType.F32;
            case "f2" -> TensorDType.F16;
            case "i8" -> TensorDType.I64;
            case "i4" -> TensorDType.I32;
            case "i2" -> TensorDType.I16;
            case "i1" -> TensorDType.I8;
            case "u1" -> TensorDType.U8;
            case "b1" -> TensorDType.BOOL;
            default -> null;
        };
        if (t == null) {
            throw new WeightsFormatException(
                    file,
                    "unsupported dtype '" + descr
                            + "' in field 'descr' (expected <f4, <f8, <f2, <i8, <i4, <i2, |i1, |u1 or |b1)");
        }
        return t;
    }

    private static long[] parseShape(Path file, String s) throws WeightsFormatException {
        String[] parts = s.split(",");
        int n = 0;
        long[] shape = new long[parts.length];
        try {
            for (String p : parts) {
                String q = p.trim();
                if (!q.isEmpty()) {
                    shape[n++] = Long.parseLong(q.endsWith("L") ? q.substring(0, q.length() - 1) : q);
                }
            }
        } catch (NumberFormatException e) {
            throw new WeightsFormatException(file, "malformed field 'shape': (" + s + ")");
        }
        return java.util.Arrays.copyOf(shape, n);
    }

    private static String group(Path file, Pattern p, String header, String field) throws WeightsFormatException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new WeightsFormatException(file, "missing field '" + field + "' in the .npy header");
        }
        return m.group(1);
    }

    private static boolean startsWith(byte[] a, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (a[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
