package org.cardinal.backbone.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Hand-assembled weight files: pickle programs opcode by opcode (as {@code torch.save} writes them,
 * protocol 2), the zip around them, and safetensors headers. Each hostile case of the tests is built
 * here from these pieces, so that what a file asks for is visible in the test.
 */
final class HostileFiles {
    private HostileFiles() {}

    /** A pickle program under construction. */
    static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle() {
            op(0x80).op(2); // PROTO 2
        }

        Pickle op(int b) {
            out.write(b);
            return this;
        }

        Pickle ops(String ascii) {
            out.writeBytes(ascii.getBytes(StandardCharsets.ISO_8859_1));
            return this;
        }

        Pickle repeat(String ascii, int times) {
            byte[] b = ascii.getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < times; i++) {
                out.writeBytes(b);
            }
            return this;
        }

        /** BINUNICODE. */
        Pickle str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(b.length)
                    .array());
            out.writeBytes(b);
            return this;
        }

        /** An int: BININT for 32 bits, else LONG1 with 8 bytes. */
        Pickle integer(long v) {
            if (v == (int) v) {
                op('J');
                out.writeBytes(ByteBuffer.allocate(4)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putInt((int) v)
                        .array());
            } else {
                op(0x8a).op(8);
                out.writeBytes(ByteBuffer.allocate(8)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(v)
                        .array());
            }
            return this;
        }

        /** GLOBAL module.name. */
        Pickle global(String module, String name) {
            return ops("c" + module + "\n" + name + "\n");
        }

        /** LONG_BINPUT / LONG_BINGET with a 4-byte index. */
        Pickle put(int idx) {
            op('r');
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(idx)
                    .array());
            return this;
        }

        Pickle get(int idx) {
            op('j');
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(idx)
                    .array());
            return this;
        }

        /** A tuple of ints: MARK ints TUPLE. */
        Pickle ints(long... v) {
            op('(');
            for (long x : v) {
                integer(x);
            }
            return op('t');
        }

        /**
         * Pushes a tensor as torch.save pickles it: {@code _rebuild_tensor_v2(persistent_load(('storage',
         * torch.FloatStorage, key, 'cpu', numel)), offset, size, stride, False, OrderedDict())}.
         */
        Pickle tensor(String storageKey, long storageNumel, long offset, long[] size, long[] stride) {
            global("torch._utils", "_rebuild_tensor_v2");
            op('(');
            op('(').str("storage")
                    .global("torch", "FloatStorage")
                    .str(storageKey)
                    .str("cpu");
            integer(storageNumel).op('t').op('Q');
            integer(offset).ints(size).ints(stride).op(0x89);
            global("collections", "OrderedDict").op(')').op('R');
            return op('t').op('R');
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        /** The program with STOP appended. */
        byte[] stop() {
            return op('.').bytes();
        }
    }

    /** A dict {name: tensor} of one float32 tensor viewing storage "0" of {@code numel} elements. */
    static byte[] oneTensor(String name, long numel, long offset, long[] size, long[] stride) {
        return new Pickle()
                .op('}')
                .str(name)
                .tensor("0", numel, offset, size, stride)
                .op('s')
                .stop();
    }

    /** A torch.save-like zip: archive/data.pkl, archive/data/&lt;key&gt; per storage, archive/version. */
    static void writePth(Path file, byte[] pickle, Map<String, byte[]> storages) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", pickle);
        storages.forEach((k, v) -> entries.put("archive/data/" + k, v));
        entries.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        Files.write(file, zip(entries));
    }

    /** Entries as a zip (deflated). */
    static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bos)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return bos.toByteArray();
    }

    /** {@code n} float32 zeros, a storage's bytes. */
    static byte[] floats(int n) {
        return new byte[4 * n];
    }

    /**
     * Rewrites the uncompressed size that the central directory declares for {@code entry}: the
     * zip then lies about it, while the deflate stream still inflates to the real size.
     */
    static byte[] lieAboutSize(byte[] zip, String entry, int declared) {
        byte[] out = zip.clone();
        ByteBuffer bb = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        byte[] name = entry.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + 46 <= out.length; i++) {
            if (bb.getInt(i) == 0x02014b50 && (bb.getShort(i + 28) & 0xffff) == name.length) {
                String n = new String(out, i + 46, name.length, StandardCharsets.UTF_8);
                if (n.equals(entry)) {
                    bb.putInt(i + 24, declared);
                    return out;
                }
            }
        }
        throw new IllegalArgumentException("no central directory record for " + entry);
    }

    /** A safetensors file with this header JSON and {@code dataBytes} zero bytes of data. */
    static void writeSafetensors(Path f, String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer c = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        c.putLong(json.length).put(json);
        Files.write(f, c.array());
    }
}
