package org.cardinal.detector.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cardinal.core.config.ConfigPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunConfigTest {

    @TempDir
    Path dir;

    private static JsonObject json(String s) {
        return JsonParser.parseString(s).getAsJsonObject();
    }

    @Test
    void defaultsAreDetectron2OneXAtSixteenImages() {
        SolverConfig s = SolverConfig.defaults();
        assertEquals(16, s.imsPerBatch());
        assertEquals(0.02, s.baseLr(), 1e-12);
        assertEquals(90000, s.maxIter());
        assertArrayEquals(new int[] {60000, 80000}, s.steps());
        assertEquals(1000, s.warmupIters());
        assertEquals(0.001, s.warmupFactor(), 1e-12);
        assertEquals(0.9, s.momentum(), 1e-12);
        assertEquals(1e-4, s.weightDecay(), 1e-12);
        assertEquals(0.1, s.gamma(), 1e-12);
        assertEquals(0, s.clipGradNorm());
        assertEquals("auto", s.device());
    }

    @Test
    void scheduleScalesLinearlyWithBatchSize() {
        // linear scaling rule: 2 images = 1/8 of the reference batch -> lr / 8, iterations * 8
        SolverConfig s = SolverConfig.fromJson(json("{\"ims_per_batch\": 2}"), ConfigPath.root("t.json"));
        assertEquals(0.0025, s.baseLr(), 1e-12);
        assertEquals(720000, s.maxIter());
        assertArrayEquals(new int[] {480000, 640000}, s.steps());
        assertEquals(8000, s.warmupIters());
        assertEquals(40000, s.checkpointPeriod());
        SolverConfig x3 =
                SolverConfig.fromJson(json("{\"schedule\": \"3x\", \"ims_per_batch\": 32}"), ConfigPath.root("t.json"));
        assertEquals(0.04, x3.baseLr(), 1e-12);
        assertEquals(135000, x3.maxIter());
        assertArrayEquals(new int[] {105000, 125000}, x3.steps());
    }

    @Test
    void explicitFieldsOverrideTheSchedule() {
        SolverConfig s = SolverConfig.fromJson(
                json("{\"ims_per_batch\": 4, \"base_lr\": 0.01, \"max_iter\": 300, \"steps\": [200, 250],"
                        + " \"warmup_iters\": 10, \"clip_grad_norm\": 5, \"device\": \"cpu\"}"),
                ConfigPath.root("t.json"));
        assertEquals(0.01, s.baseLr(), 1e-12);
        assertEquals(300, s.maxIter());
        assertArrayEquals(new int[] {200, 250}, s.steps());
        assertEquals(10, s.warmupIters());
        assertEquals(5.0, s.clipGradNorm());
    }

    @Test
    void resolvedConfigRoundTripsThroughTheRunFolderFile() throws IOException {
        Path f = dir.resolve("run.json");
        Files.writeString(
                f,
                "{\"name\": \"tiny\", \"model\": {\"backbone\": \"resnet18\", \"num_classes\": 3,"
                        + " \"min_size\": 128, \"max_size\": 192},"
                        + " \"solver\": {\"ims_per_batch\": 2, \"max_iter\": 50},"
                        + " \"data\": {\"root\": \"/data/x\", \"train_images\": \"train\"}}");
        RunConfig c = RunConfig.load(f);
        assertEquals("tiny", c.name());
        assertEquals(3, c.model().numClasses());
        assertEquals(Path.of("/data/x/train"), c.data().trainImagesPath());
        Path resolved = dir.resolve("resolved.json");
        Files.writeString(resolved, c.toJsonString());
        RunConfig back = RunConfig.load(resolved);
        assertEquals(c.toJson(), back.toJson());
        assertEquals(c.solver(), back.solver());
        assertEquals(
                Path.of("/elsewhere/val2017"),
                c.withDataRoot(Path.of("/elsewhere")).data().valImagesPath());
        assertEquals("cpu", c.withDevice("cpu").solver().device());
    }

    /**
     * A run's name names its folder (runs/NAME) and its model's artifact id: a name that is not one
     * folder name would put the run elsewhere (runs/.. is the working folder).
     */
    @Test
    void aNameThatIsNotOneFolderNameIsRefused() throws IOException {
        Path f = dir.resolve("named.json");
        for (String name : new String[] {"..", ".", "", "../elsewhere", "a/b", "a\\\\b", "tab\\there"}) {
            Files.writeString(f, "{\"name\": \"" + name + "\"}");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunConfig.load(f), name);
            assertTrue(
                    e.getMessage()
                            .startsWith(f + ": field 'name': expected one folder name: not empty, not only dots,"),
                    e.getMessage());
        }
        Files.writeString(f, "{\"name\": \"v1..2 (resumed)\"}");
        assertEquals("v1..2 (resumed)", RunConfig.load(f).name(), "dots among other characters, spaces: a name");
    }

    @Test
    void errorsNameTheFileAndTheField() throws IOException {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "{\"solver\": {\"base_lr\": \"fast\"}}");
        IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class, () -> RunConfig.load(f));
        assertTrue(
                e1.getMessage().contains("bad.json")
                        && e1.getMessage().contains("base_lr")
                        && e1.getMessage().contains("number"),
                e1.getMessage());
        Files.writeString(f, "{\"solver\": {\"max_iters\": 5}}");
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> RunConfig.load(f));
        assertTrue(e2.getMessage().contains("bad.json") && e2.getMessage().contains("max_iters"), e2.getMessage());
        Files.writeString(f, "{\"data\": {\"flip_prob\": 2}}");
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class, () -> RunConfig.load(f));
        assertTrue(e3.getMessage().contains("bad.json") && e3.getMessage().contains("flip_prob"), e3.getMessage());
        Files.writeString(f, "{\"solver\": {\"steps\": [80, 60]}}");
        IllegalArgumentException e4 = assertThrows(IllegalArgumentException.class, () -> RunConfig.load(f));
        assertTrue(e4.getMessage().contains("steps"), e4.getMessage());
        Files.writeString(f, "{\"solver\": {\"device\": \"tpu\"}}");
        IllegalArgumentException e5 = assertThrows(IllegalArgumentException.class, () -> RunConfig.load(f));
        assertTrue(e5.getMessage().contains("device") && e5.getMessage().contains("tpu"), e5.getMessage());
        Files.writeString(f, "{\"solver\": {\"schedule\": \"2x\"}}");
        IllegalArgumentException e6 = assertThrows(IllegalArgumentException.class, () -> RunConfig.load(f));
        assertTrue(e6.getMessage().contains("schedule"), e6.getMessage());
        Files.writeString(f, "{\"modle\": {}}");
        IllegalArgumentException e7 = assertThrows(IllegalArgumentException.class, () -> RunConfig.load(f));
        assertTrue(e7.getMessage().contains("modle"), e7.getMessage());
        Files.writeString(f, "{\"solver\": ");
        IllegalArgumentException e8 = assertThrows(IllegalArgumentException.class, () -> RunConfig.load(f));
        assertTrue(e8.getMessage().contains("bad.json") && e8.getMessage().contains("malformed"), e8.getMessage());
        IllegalArgumentException e9 =
                assertThrows(IllegalArgumentException.class, () -> RunConfig.load(dir.resolve("missing.json")));
        assertTrue(e9.getMessage().contains("missing.json"), e9.getMessage());
    }

    @Test
    void deviceOptionSelectsDevices() {
        assertArrayEquals(new Device[] {Device.cpu()}, DeviceSelection.parse("auto", 0));
        assertArrayEquals(new Device[] {Device.gpu(0), Device.gpu(1)}, DeviceSelection.parse("auto", 2));
        assertArrayEquals(new Device[] {Device.cpu()}, DeviceSelection.parse("cpu", 4));
        assertArrayEquals(new Device[] {Device.gpu(1), Device.gpu(3)}, DeviceSelection.parse("gpu:1,3", 4));
        assertThrows(IllegalArgumentException.class, () -> DeviceSelection.parse("gpu", 0));
        assertThrows(IllegalArgumentException.class, () -> DeviceSelection.parse("gpu:4", 4));
        assertThrows(IllegalArgumentException.class, () -> DeviceSelection.parse("gpu:1,1", 4));
    }

    @Test
    void aToolsDeviceOptionIsCheckedByTheSameParser() {
        assertEquals("gpu:0,1", DeviceSelection.checkOption("--device", " GPU:0,1"));
        IllegalArgumentException bad =
                assertThrows(IllegalArgumentException.class, () -> DeviceSelection.checkOption("--device", "tpu"));
        assertTrue(bad.getMessage().startsWith("--device: expected ")
                && bad.getMessage().endsWith("found 'tpu'"));
        assertEquals(Device.cpu(), DeviceSelection.single("--device", "auto", 0));
        assertEquals(Device.gpu(0), DeviceSelection.single("--device", "gpu", 2));
        assertEquals(Device.gpu(1), DeviceSelection.single("--device", "gpu:1", 2));
        assertThrows(IllegalArgumentException.class, () -> DeviceSelection.single("--device", "gpu", 0));
        IllegalArgumentException two =
                assertThrows(IllegalArgumentException.class, () -> DeviceSelection.single("--device", "gpu:0,1", 2));
        assertTrue(two.getMessage().contains("one device"), two.getMessage());
    }
}
