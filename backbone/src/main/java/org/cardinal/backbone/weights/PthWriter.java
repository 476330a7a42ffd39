package org.cardinal.backbone.weights;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.cardinal.core.io.AtomicFiles;

/**
 * Writes a state dict in PyTorch's zip checkpoint format so that {@code torch.load(path,
 * weights_only=True)} (and {@code mmap=True}) accepts it: a protocol-2 pickle of a
 * {@code collections.OrderedDict} whose values are {@code torch._utils._rebuild_tensor_v2} calls
 * on persistent storages, one uncompressed, 64-byte aligned {@code data/<i>} entry per tensor,
 * plus {@code byteorder} and {@code version} entries, as torch.save lays them out.
 */
final class PthWriter {
    /** torch.save aligns every record to 64 bytes so that mmap'ed storages are aligned. */
    private static final int ALIGN = 64;

    private static final long DOS_TIME = 315532800000L + 86400000L * 366 * 20; // a fixed date, reproducible files

    private PthWriter() {}

    static void write(Path file, StateDict sd) throws IOException {
        String archive = archiveName(file);
        byte[] pickle = pickle(sd);
        AtomicFiles.write(file, raw -> {
            CountingStream counting = new CountingStream(raw);
            try (ZipOutputStream zip = new ZipOutputStream(counting)) {
                zip.setMethod(ZipOutputStream.STORED);
                put(zip, counting, archive + "/data.pkl", pickle);
                put(zip, counting, archive + "/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
                int i = 0;
                for (Map.Entry<String, TensorData> e : sd.entries()) {
                    put(zip, counting, archive + "/data/" + i, e.getValue().data());
                    i++;
                }
                put(zip, counting, archive + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            }
        });
    }

    private static String archiveName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String clean = stem.replaceAll("[^A-Za-z0-9_]", "_");
        return clean.isEmpty() ? "archive" : clean;
    }

    private static void put(ZipOutputStream zip, CountingStream counting, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        e.setTime(DOS_TIME);
        // Local header = 30 bytes + name + extra; pad the extra field (id "FB" as torch uses) so the
        // entry's data starts on a 64-byte boundary.
        int nameLen = name.getBytes(StandardCharsets.UTF_8).length;
        long dataStart = counting.count + 30 + nameLen + 4;
        int pad = (int) ((ALIGN - dataStart % ALIGN) % ALIGN);
        byte[] extra = new byte[4 + pad];
        extra[0] = 'F';
        extra[1] = 'B';
        extra[2] = (byte) (pad & 0xff);
        extra[3] = (byte) (pad >>> 8);
        e.setExtra(extra);
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    /** Serialises the pickle of OrderedDict{name: _rebuild_tensor_v2(storage_i, 0, size, stride, False, OrderedDict())}. */
    static byte[] pickle(StateDict sd) throws IOException {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2); // PROTO 2, torch.save's default
        global(p, "collections", "OrderedDict");
        p.write(')');
        p.write('R');
        p.write('(');
        int i = 0;
        for (Map.Entry<String, TensorData> e : sd.entries()) {
            TensorData t = e.getValue();
            unicode(p, e.getKey());
            global(p, "torch._utils", "_rebuild_tensor_v2");
            p.write('(');
            p.write('(');
            unicode(p, "storage");
            global(p, "torch", t.dtype().torchStorageName());
            unicode(p, Integer.toString(i));
            unicode(p, "cpu");
            integer(p, t.numel());
            p.write('t');
            p.write('Q'); // BINPERSID
            integer(p, 0);
            long[] shape = t.shape();
            long[] stride = new long[shape.length];
            long s = 1;
            for (int d = shape.length - 1; d >= 0; d--) {
                stride[d] = s;
                s *= shape[d];
            }
            tuple(p, shape);
            tuple(p, stride);
            p.write(0x89); // NEWFALSE: requires_grad
            global(p, "collections", "OrderedDict");
            p.write(')');
            p.write('R'); // backward_hooks = OrderedDict()
            p.write('t');
            p.write('R');
            i++;
        }
        p.write('u'); // SETITEMS
        p.write('.');
        return p.toByteArray();
    }

    private static void global(ByteArrayOutputStream p, String module, String name) {
        p.write('c');
        p.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static void unicode(ByteArrayOutputStream p, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.write('X');
        int n = b.length;
        p.write(n & 0xff);
        p.write((n >>> 8) & 0xff);
        p.write((n >>> 16) & 0xff);
        p.write((n >>> 24) & 0xff);
        p.writeBytes(b);
    }

    private static void integer(ByteArrayOutputStream p, long v) {
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            p.write('J'); // BININT, 4-byte signed little-endian
            for (int k = 0; k < 4; k++) {
                p.write((int) (v >>> (8 * k)) & 0xff);
            }
        } else {
            p.write(0x8a); // LONG1 with 8 bytes two's complement
            p.write(8);
            for (int k = 0; k < 8; k++) {
                p.write((int) (v >>> (8 * k)) & 0xff);
            }
        }
    }

    private static void tuple(ByteArrayOutputStream p, long[] values) {
        p.write('(');
        for (long v : values) {
            integer(p, v);
        }
        p.write('t');
    }

    /** Counts bytes written so the next zip entry's data offset is known. */
    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
