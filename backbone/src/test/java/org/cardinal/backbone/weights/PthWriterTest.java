package org.cardinal.backbone.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PthWriterTest {
    @TempDir
    Path tmp;

    @Test
    void writtenCheckpointReadsBackIdentically() throws IOException {
        StateDict sd = StateDict.read(Fixtures.path("views_expected.safetensors"));
        Path out = tmp.resolve("views.pth");
        sd.write(out);
        StateDict back = StateDict.read(out);
        assertEquals(sd.names(), back.names());
        for (String k : sd.keys()) {
            assertEquals(sd.get(k), back.get(k), k);
        }
    }

    @Test
    void layoutIsTorchSaves() throws IOException {
        StateDict sd = StateDict.read(Fixtures.path("resnet_tiny.pth"));
        Path out = tmp.resolve("resnet_tiny.pth");
        sd.write(out);
        List<String> names = new ArrayList<>();
        try (ZipFile z = new ZipFile(out.toFile())) {
            z.stream().forEach(e -> names.add(e.getName()));
            assertEquals("resnet_tiny/data.pkl", names.get(0));
            assertTrue(names.contains("resnet_tiny/byteorder") && names.contains("resnet_tiny/version"));
            assertEquals(
                    "little",
                    new String(
                            z.getInputStream(z.getEntry("resnet_tiny/byteorder"))
                                    .readAllBytes(),
                            StandardCharsets.US_ASCII));
            for (ZipEntry e : z.stream().toList()) {
                assertEquals(ZipEntry.STORED, e.getMethod(), e.getName());
            }
        }
        // every entry's data starts on a 64-byte boundary (torch.load(mmap=True) relies on it)
        byte[] bytes = Files.readAllBytes(out);
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int pos = 0;
        int entries = 0;
        while (bb.getInt(pos) == 0x04034b50) {
            int size = bb.getInt(pos + 18);
            int nameLen = bb.getShort(pos + 26) & 0xffff;
            int extraLen = bb.getShort(pos + 28) & 0xffff;
            int data = pos + 30 + nameLen + extraLen;
            assertEquals(0, data % 64, "entry " + entries + " data offset " + data);
            pos = data + size;
            entries++;
        }
        assertEquals(sd.size() + 3, entries);
    }
}
