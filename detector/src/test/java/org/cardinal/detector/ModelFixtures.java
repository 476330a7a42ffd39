package org.cardinal.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cardinal.backbone.weights.Npy;
import org.cardinal.backbone.weights.StateDict;

/** The files written by src/test/resources/model/make_fixtures.py (torchvision 0.29 peer). */
final class ModelFixtures {

    static final int IMAGES = 3;

    private ModelFixtures() {}

    static Path path(String name) {
        URL url = ModelFixtures.class.getResource("/model/" + name);
        if (url == null) {
            throw new IllegalStateException("missing fixture model/" + name + " (run make_fixtures.py)");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static DetectorConfig config() throws IOException {
        return DetectorConfig.load(path("model.json"));
    }

    static List<NDArray> images(NDManager manager) throws IOException {
        List<NDArray> out = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            out.add(Npy.read(path("image_" + i + ".npy")).toNDArray(manager));
        }
        return out;
    }

    static StateDict expected() throws IOException {
        return StateDict.read(path("expected.safetensors"));
    }
}
