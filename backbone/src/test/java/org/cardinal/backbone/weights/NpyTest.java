package org.cardinal.backbone.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path tmp;

    @Test
    void readsNumpysFileAndMatchesNumpyValues() throws IOException {
        TensorData x = Npy.read(Fixtures.path("input.npy"));
        assertEquals(TensorDType.F32, x.dtype());
        assertArrayEquals(new long[] {2, 3, 64, 64}, x.shape());
        // np.random.RandomState(1).randn(...)[0, 0, 0, :3] as float32
        float[] v = x.toFloatArray();
        assertEquals(1.6243454f, v[0], 1e-7);
        assertEquals(-0.6117564f, v[1], 1e-7);
        assertEquals(-0.5281718f, v[2], 1e-7);
    }

    @Test
    void writeThenReadRoundTripsAndAlignsTheHeader() throws IOException {
        TensorData t = TensorData.ofFloats(new float[] {1, -2, 3.5f, 0, 7, 8}, 2, 3);
        Path f = tmp.resolve("t.npy");
        Npy.write(f, t);
        assertEquals(t, Npy.read(f));
        byte[] b = Files.readAllBytes(f);
        assertEquals(0, (b.length - 24) % 64, "data starts on a 64-byte boundary");
        String header = new String(b, 10, 60, StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), header);
        TensorData scalarVector = TensorData.ofLongs(new long[] {5}, 1);
        Npy.write(f, scalarVector);
        assertEquals(scalarVector, Npy.read(f));
    }

    @Test
    void refusesFortranOrderUnknownDtypeAndWrongSize() throws IOException {
        Path f = tmp.resolve("bad.npy");
        write(f, "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8);
        assertTrue(assertThrows(WeightsFormatException.class, () -> Npy.read(f))
                .getMessage()
                .contains("fortran_order"));
        write(f, "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16);
        assertTrue(assertThrows(WeightsFormatException.class, () -> Npy.read(f))
                .getMessage()
                .contains("'<c8'"));
        write(f, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 8);
        IOException e = assertThrows(WeightsFormatException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("need 12"), e.getMessage());
        Files.writeString(f, "not numpy");
        assertTrue(assertThrows(WeightsFormatException.class, () -> Npy.read(f))
                .getMessage()
                .contains("magic"));
    }

    @Test
    void readsBigEndianData() throws IOException {
        Path f = tmp.resolve("be.npy");
        write(f, "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", 0);
        Files.write(
                f,
                new byte[] {0, 0, 0, 7, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe},
                java.nio.file.StandardOpenOption.APPEND);
        assertArrayEquals(new float[] {7, -2}, Npy.read(f).toFloatArray());
    }

    private static void write(Path f, String dict, int dataBytes) throws IOException {
        String header = dict + " ".repeat(63 - (10 + dict.length()) % 64) + "\n";
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[10 + h.length + dataBytes];
        out[0] = (byte) 0x93;
        System.arraycopy("NUMPY".getBytes(StandardCharsets.US_ASCII), 0, out, 1, 5);
        out[6] = 1;
        out[8] = (byte) h.length;
        out[9] = (byte) (h.length >> 8);
        System.arraycopy(h, 0, out, 10, h.length);
        Files.write(f, out);
    }
}
