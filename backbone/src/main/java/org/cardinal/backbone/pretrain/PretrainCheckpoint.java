package org.cardinal.backbone.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.cardinal.backbone.weights.StateDict;
import org.cardinal.backbone.weights.StateDicts;
import org.cardinal.backbone.weights.TensorData;
import org.cardinal.core.train.MomentumSgd;

/**
 * A resumable training state in one {@code .safetensors} file, written atomically: the model's
 * tensors under {@code model.} (torchvision names, BatchNorm running statistics included), the SGD
 * momentum buffers under {@code optimizer.momentum.}, and the loop position in the safetensors
 * metadata. Augmentation and shuffling are functions of (seed, epoch, index), so the position is the
 * whole random state: a resumed run takes exactly the steps an uninterrupted one would.
 *
 * <p>Files are named {@code step-<9 digits>.safetensors}; the one with the largest step is the
 * latest, and older ones beyond the newest {@value #KEEP} are deleted.
 *
 * @param epoch epoch in progress (0-based)
 * @param nextBatch first batch of {@code epoch} still to run
 * @param step optimizer steps done in total
 * @param seed the run's seed
 * @param batchSize images per step (resume must keep it: it defines batches and the schedule)
 * @param classes class names in index order (resume must see the same dataset classes)
 */
public record PretrainCheckpoint(int epoch, int nextBatch, long step, long seed, int batchSize, List<String> classes) {
    /** Checkpoints kept on disk. */
    public static final int KEEP = 2;

    private static final Pattern NAME = Pattern.compile("step-(\\d{9})\\.safetensors");
    private static final String MODEL = "model.";
    private static final String MOMENTUM = "optimizer.momentum.";

    /** Writes model, optimizer and this position into {@code dir}; returns the file. */
    public Path write(Path dir, Block model, MomentumSgd optimizer) throws IOException {
        StateDict sd = StateDicts.export(model).prefixed(MODEL);
        for (Map.Entry<String, NDArray> e : optimizer.state().entrySet()) {
            sd.put(MOMENTUM + e.getKey(), TensorData.of(e.getValue())); // deliberate host copy
        }
        sd.metadata().put("format", "cardinal-pretrain-checkpoint-1");
        sd.metadata().put("epoch", Integer.toString(epoch));
        sd.metadata().put("next_batch", Integer.toString(nextBatch));
        sd.metadata().put("step", Long.toString(step));
        sd.metadata().put("seed", Long.toString(seed));
        sd.metadata().put("batch_size", Integer.toString(batchSize));
        sd.metadata().put("classes", String.join("\n", classes));
        Files.createDirectories(dir);
        Path file = dir.resolve(String.format("step-%09d.safetensors", step));
        sd.write(file);
        prune(dir);
        return file;
    }

    /** The newest checkpoint in {@code dir}, if any. */
    public static Optional<Path> latest(Path dir) throws IOException {
        List<Path> all = list(dir);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /**
     * Loads a checkpoint into the model (strict: every name and shape must match) and optimizer.
     *
     * @throws IllegalArgumentException naming the file when it is not a pretraining checkpoint or
     *     does not match the model
     */
    public static PretrainCheckpoint restore(Path file, Block model, MomentumSgd optimizer, NDManager manager)
            throws IOException {
        StateDict sd = StateDict.read(file);
        Map<String, String> meta = sd.metadata();
        if (!"cardinal-pretrain-checkpoint-1".equals(meta.get("format"))) {
            throw new IllegalArgumentException(
                    file + ": not a pretraining checkpoint (metadata 'format' is " + meta.get("format") + ")");
        }
        StateDicts.load(model, sd.withPrefix(MODEL), "", true);
        Map<String, NDArray> momentum = new HashMap<>();
        try (NDManager tmp = manager.newSubManager()) {
            for (Map.Entry<String, TensorData> e : sd.withPrefix(MOMENTUM).entries()) {
                momentum.put(e.getKey(), e.getValue().toNDArray(tmp));
            }
            optimizer.loadState(momentum);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        try {
            String classes = meta.getOrDefault("classes", "");
            return new PretrainCheckpoint(
                    Integer.parseInt(meta.get("epoch")),
                    Integer.parseInt(meta.get("next_batch")),
                    Long.parseLong(meta.get("step")),
                    Long.parseLong(meta.get("seed")),
                    Integer.parseInt(meta.get("batch_size")),
                    classes.isEmpty() ? List.of() : List.of(classes.split("\n")));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    file + ": bad checkpoint metadata " + meta.keySet() + ": " + e.getMessage(), e);
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).forEach(out::add);
        }
        out.sort((a, b) -> Long.compare(stepOf(a), stepOf(b)));
        return out;
    }

    private static long stepOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private static void prune(Path dir) throws IOException {
        List<Path> all = list(dir);
        for (int i = 0; i < all.size() - KEEP; i++) {
            Files.deleteIfExists(all.get(i));
        }
    }
}
