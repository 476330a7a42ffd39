package org.cardinal.backbone.pretrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.core.config.ConfigPath;
import org.cardinal.core.config.JsonFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainOverfitTest {

    /** A tiny recipe: no crop augmentation, a learning rate that memorises 48 images quickly. */
    static PretrainConfig tinyRecipe(int epochs) {
        String json = """
                {"backbone": {"name": "tiny", "block": "basic", "layers": [1, 1, 1, 1], "base_channels": 16}, "epochs": %d, "ims_per_batch": 16, "base_lr": 1.6,
                 "schedule": "cosine", "weight_decay": 0, "image_size": 32, "resize_size": 32,
                 "min_scale": 1.0, "max_scale": 1.0, "min_ratio": 1.0, "max_ratio": 1.0,
                 "num_workers": 2, "log_period": 1, "seed": 7,
                 "generated": {"classes": 4, "train_per_class": 12, "val_per_class": 0, "image_size": 32}}
                """.formatted(epochs);
        return PretrainConfig.fromJson(JsonFiles.parseObject(json, "test"), ConfigPath.root("test"));
    }

    /** Generates the set and uses a copy of train/ as val/, so val top-1 measures memorisation. */
    static Path trainAsVal(PretrainConfig cfg, Path dir) throws IOException {
        Path data = dir.resolve("data");
        cfg.generated().writeTo(data);
        Path train = data.resolve("train");
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(train)) {
            s.filter(Files::isRegularFile).forEach(files::add);
        }
        for (Path f : files) {
            Path target = data.resolve("val").resolve(train.relativize(f).toString());
            Files.createDirectories(target.getParent());
            Files.copy(f, target);
        }
        return data;
    }

    @Test
    void tinyBackboneOverfitsTinyGeneratedSet(@TempDir Path dir) throws IOException {
        PretrainConfig cfg = tinyRecipe(30);
        Path data = trainAsVal(cfg, dir);
        List<String> lines = new ArrayList<>();
        PretrainTrainer.Result r = new PretrainTrainer(cfg, data, dir.resolve("run"), Device.cpu(), lines::add)
                .optProgressBar(false)
                .run(false);
        assertTrue(
                r.valTop1() > 0.95,
                "top-1 on the training images after 30 epochs: " + r.valTop1() + "\n" + String.join("\n", lines));
        assertEquals(30 * 3, r.steps());
        // The export is a torchvision classifier state_dict for 4 classes.
        StateDict sd = StateDict.read(r.weights());
        assertEquals(
                List.of(4L, 128L),
                List.of(sd.get("fc.weight").shape()[0], sd.get("fc.weight").shape()[1]));
        assertTrue(sd.contains("layer4.0.bn2.running_var"));
        assertTrue(Files.size(dir.resolve("run/curves.png")) > 1000);
    }
}
