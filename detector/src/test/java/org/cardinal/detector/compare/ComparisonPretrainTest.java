package org.cardinal.detector.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.backbone.pretrain.PretrainTrainer;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.core.train.StopRequest;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The paper's pipeline: each backbone is pretrained first, and its detector starts from those weights. */
class ComparisonPretrainTest {

    @TempDir
    Path dir;

    @Test
    void detectorStartsFromTheBackboneItsRunPretrained() throws IOException {
        String recipe = "\"pretrain\": {\"recipe\": {\"epochs\": 1, \"ims_per_batch\": 4, \"base_lr\": 0.1, "
                + "\"image_size\": 16, \"resize_size\": 18, \"num_workers\": 1, \"generated\": {\"classes\": 2, "
                + "\"train_per_class\": 4, \"val_per_class\": 2, \"image_size\": 20}}},";
        ComparisonConfig cfg = ComparisonConfig.load(TinyComparison.write(dir, "fpn", recipe + " \"seeds\": 2,"));
        StopRequest stop = new StopRequest();
        List<String> seen = new ArrayList<>();
        Comparison c = new Comparison(cfg, dir.resolve("out"))
                .setStopRequest(stop)
                .addListener(new Comparison.Listener() {
                    @Override
                    public void pretraining(Comparison.Run run, Path folder, Comparison.Status status) {
                        seen.add(run.index() + " " + status + " "
                                + dir.resolve("out").relativize(folder));
                    }

                    @Override
                    public org.cardinal.detector.train.TrainingListener trainingListener(Comparison.Run run) {
                        // stop once the pretraining is done, before the detector trains: this test
                        // is about the initialization
                        stop.request("test");
                        return new org.cardinal.detector.train.TrainingListener() {};
                    }
                });
        Comparison.Run run = c.runs().get(0);
        Path weights = dir.resolve("out/tiny_resnet/seed_7/pretrain").resolve(PretrainTrainer.WEIGHTS_FILE);
        assertEquals(weights.toString(), run.config().backboneWeights(), "each run names its own pretraining");
        assertEquals(
                dir.resolve("out/tiny_resnet/seed_8/pretrain")
                        .resolve(PretrainTrainer.WEIGHTS_FILE)
                        .toString(),
                c.runs().get(2).config().backboneWeights(),
                "a pretraining per seed by default");

        Comparison.Outcome out = c.run();
        assertTrue(out.stopped());
        assertEquals(List.of("0 TODO tiny_resnet/seed_7/pretrain"), seen);
        assertTrue(Files.isRegularFile(weights));
        assertTrue(Files.isDirectory(dir.resolve("out/pretrain-data/train")), "the recipe's generated images");
        assertFalse(Files.exists(run.resultFile()));

        StateDict pretrained = StateDict.read(weights);
        try (NDManager m = NDManager.newBaseManager()) {
            FasterRcnn model = TrainingRun.createModel(run.config(), m);
            var params = StateDicts.namedParameters(model);
            for (String name : List.of("conv1.weight", "layer1.0.conv2.weight", "layer4.0.bn3.weight")) {
                assertArrayEquals(
                        pretrained.get(name).toFloatArray(),
                        params.get("backbone.body." + name).getArray().toFloatArray(),
                        name);
            }
        }
        // a second call finds the pretraining done and does not repeat it, even when its folder was
        // written with the recipe's earlier field names
        Path written = dir.resolve("out/tiny_resnet/seed_7/pretrain/config.json");
        JsonObject earlier = JsonFiles.readObject(written);
        for (String[] rename : new String[][] {
            {"backbone", "arch"},
            {"ims_per_batch", "batch_size"},
            {"log_period", "log_every_iters"},
            {"num_workers", "workers"}
        }) {
            earlier.add(rename[1], earlier.remove(rename[0]));
        }
        Files.writeString(written, JsonFiles.pretty(earlier));
        seen.clear();
        StopRequest again = new StopRequest();
        new Comparison(cfg, dir.resolve("out"))
                .setStopRequest(again)
                .addListener(new Comparison.Listener() {
                    @Override
                    public void pretraining(Comparison.Run r, Path folder, Comparison.Status status) {
                        seen.add(r.index() + " " + status);
                        again.request("test");
                    }
                })
                .run();
        assertEquals(List.of("0 FINISHED"), seen);
    }
}
