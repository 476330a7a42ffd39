package org.cardinal.detector.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cardinal.detector.Detections;
import org.cardinal.detector.FasterRcnn;
import org.cardinal.detector.Target;

/**
 * {@link TrainableDetector} over {@link FasterRcnn}: passes batches through as {@link Target}s
 * and copies {@link Detections} to the host for evaluation.
 */
public final class FasterRcnnDetector implements TrainableDetector {

    private final FasterRcnn model;

    /** @param model an initialized detector */
    public FasterRcnnDetector(FasterRcnn model) {
        this.model = model;
    }

    /**
     * Builds and initializes the detector of a run: parameters drawn with the engine seeded by
     * the run seed (so two runs with one seed start equal), then the run's
     * {@code backbone_weights} and {@code weights} loaded if set.
     *
     * @param config the run
     * @param manager where the parameters live (its device is the first training device)
     * @return the detector
     * @throws IOException if a weights file cannot be read
     */
    public static FasterRcnnDetector create(RunConfig config, NDManager manager)
            throws IOException {
        long seed = config.solver().seed();
        Engine.getInstance().setRandomSeed((int) (seed ^ (seed >>> 32)));
        FasterRcnn model = FasterRcnn.build(config.model(), seed);
        model.initialize(manager, DataType.FLOAT32);
        if (config.backboneWeights() != null) {
            org.cardinal.detector.DetectorWeights.loadBackbone(
                    model, Path.of(config.backboneWeights()));
        }
        if (config.weights() != null) {
            org.cardinal.detector.DetectorWeights.loadTorchvision(
                    model, Path.of(config.weights()), false);
        }
        return new FasterRcnnDetector(model);
    }

    /** The wrapped detector. */
    public FasterRcnn model() {
        return model;
    }

    @Override
    public Block block() {
        return model;
    }

    @Override
    public void setSeed(long seed) {
        model.setSeed(seed);
    }

    @Override
    public Map<String, NDArray> losses(
            ParameterStore ps, List<NDArray> images, List<NDArray> boxes, List<NDArray> labels) {
        List<Target> targets = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            targets.add(new Target(boxes.get(i), labels.get(i)));
        }
        return model.losses(ps, images, targets);
    }

    @Override
    public List<ImageDetections> detect(ParameterStore ps, List<NDArray> images) {
        List<Detections> dets = model.detect(ps, images);
        List<ImageDetections> out = new ArrayList<>(dets.size());
        for (Detections d : dets) {
            // deliberate host transfer: evaluation runs on the CPU
            out.add(new ImageDetections(
                    d.boxes().toFloatArray(), d.scores().toFloatArray(), d.labels().toLongArray()));
        }
        return out;
    }
}
