package org.cardinal.backbone.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path tmp;

    @Test
    void readsFileWrittenByTheSafetensorsPackage() throws IOException {
        StateDict sd = StateDict.read(Fixtures.path("views_expected.safetensors"));
        TensorData t = sd.get("transposed");
        assertEquals(TensorDType.F32, t.dtype());
        assertArrayEquals(new long[] {5, 6}, t.shape());
        assertEquals(TensorDType.F16, sd.get("half").dtype());
        assertEquals(TensorDType.BF16, sd.get("bf16").dtype());
        assertEquals(TensorDType.I64, sd.get("long").dtype());
        // torch.arange(-3, 4): an exact integer check of the little-endian decoding
        assertArrayEquals(new float[] {-3, -2, -1, 0, 1, 2, 3}, sd.get("long").toFloatArray());
        assertArrayEquals(new long[] {}, sd.get("scalar").shape());
        assertArrayEquals(new long[] {0, 5}, sd.get("empty").shape());
    }

    @Test
    void writeThenReadRoundTripsEveryTensorAndMetadata() throws IOException {
        StateDict sd = StateDict.read(Fixtures.path("views_expected.safetensors"));
        sd.metadata().put("format", "pt");
        Path out = tmp.resolve("copy.safetensors");
        sd.write(out);
        StateDict back = StateDict.read(out);
        assertEquals(sd.names(), back.names());
        for (String k : sd.keys()) {
            assertEquals(sd.get(k), back.get(k), k);
        }
        assertEquals("pt", back.metadata().get("format"));
        // header is padded so that the data starts on an 8-byte boundary
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(out), 0, 8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .getLong();
        assertEquals(0, headerLen % 8);
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void refusesOffsetsBeyondTheFile() {
        Path f = Fixtures.path("bad_offsets.safetensors");
        IOException e = assertThrows(WeightsFormatException.class, () -> StateDict.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(
                e.getMessage().contains("tensor 'b'") && e.getMessage().contains("outside the data section"),
                e.getMessage());
    }

    @Test
    void refusesSizeThatDoesNotMatchTheShape() {
        Path f = Fixtures.path("short_data.safetensors");
        IOException e = assertThrows(WeightsFormatException.class, () -> StateDict.read(f));
        assertTrue(e.getMessage().contains("tensor 'w'") && e.getMessage().contains("need 24"), e.getMessage());
    }

    @Test
    void refusesHeaderLongerThanTheFileAndMalformedJson() throws IOException {
        Path f = tmp.resolve("bad.safetensors");
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(1000);
        Files.write(f, b.array());
        IOException e = assertThrows(WeightsFormatException.class, () -> StateDict.read(f));
        assertTrue(e.getMessage().contains("header length 1000"), e.getMessage());

        byte[] json = "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]"
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer c = ByteBuffer.allocate(8 + json.length + 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length)
                .put(json);
        Files.write(f, c.array());
        e = assertThrows(WeightsFormatException.class, () -> StateDict.read(f));
        assertTrue(e.getMessage().contains("malformed safetensors header"), e.getMessage());
    }

    @Test
    void refusesOverlappingTensorsAndUnknownDtypes() throws IOException {
        Path f = tmp.resolve("overlap.safetensors");
        writeRaw(
                f,
                "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                        + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}",
                12);
        IOException e = assertThrows(WeightsFormatException.class, () -> StateDict.read(f));
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());

        writeRaw(f, "{\"a\": {\"dtype\": \"C64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", 8);
        e = assertThrows(WeightsFormatException.class, () -> StateDict.read(f));
        assertTrue(e.getMessage().contains("unsupported dtype 'C64'"), e.getMessage());
    }

    @Test
    void missingFileNamesThePath() {
        Path f = tmp.resolve("nope.safetensors");
        IOException e = assertThrows(IOException.class, () -> StateDict.read(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    private static void writeRaw(Path f, String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer c = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        c.putLong(json.length).put(json);
        Files.write(f, c.array());
    }
}
