package org.cardinal.detector.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.gson.JsonObject;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.cardinal.core.config.JsonFiles;
import org.cardinal.core.io.AtomicFiles;
import org.cardinal.core.train.InPlace;

/**
 * A training checkpoint: one folder {@code checkpoints/iter_NNNNNNN/} holding
 *
 * <ul>
 *   <li>{@code model.ndlist}: every parameter of the model (trainable, frozen, running
 *       statistics) as a DJL {@link NDList}, each array named by its DJL parameter path
 *       ({@code Block.getParameters()} keys), bit-exact;
 *   <li>{@code optimizer.ndlist}: the SGD momentum buffers, named the same way;
 *   <li>{@code state.json}: iteration, learning rate, run seed and the resolved run config.
 * </ul>
 *
 * <p>The folder is written under a temporary name in the same parent, flushed to the disk and
 * renamed atomically (a folder of the same name is moved aside first and deleted only after), and
 * {@code checkpoints/last} (the name of the newest complete checkpoint) is replaced atomically
 * after it, so a crash at any point leaves the previous checkpoint usable. The sampling RNG
 * state needs no file: data order, flips and the model's samplers are reseeded from (seed,
 * iteration) every iteration.
 */
public final class Checkpoint {

    /** File in the checkpoints folder naming the newest complete checkpoint. */
    public static final String LAST = "last";

    static final String MODEL = "model.ndlist";
    static final String OPTIMIZER = "optimizer.ndlist";
    static final String STATE = "state.json";

    /**
     * The state.json content.
     *
     * @param iteration iterations done
     * @param lr learning rate of the last iteration done
     * @param seed run seed
     * @param config resolved run config
     */
    public record State(int iteration, double lr, long seed, JsonObject config) {}

    private Checkpoint() {}

    /** Folder name of the checkpoint after {@code iteration} iterations. */
    public static String folderName(int iteration) {
        return String.format("iter_%07d", iteration);
    }

    /**
     * Writes a checkpoint atomically and points {@code last} at it.
     *
     * @param checkpointsDir the run's checkpoints folder (created if absent)
     * @param state iteration, lr, seed, config
     * @param block the model
     * @param momentum momentum buffers by parameter path
     * @return the checkpoint folder
     * @throws IOException if writing fails (the previous checkpoint stays intact)
     */
    public static Path save(Path checkpointsDir, State state, Block block, Map<String, NDArray> momentum)
            throws IOException {
        String name = folderName(state.iteration());
        Path target = checkpointsDir.resolve(name);
        // a re-run of the same iteration (a finished run resumed) replaces the folder atomically
        AtomicFiles.writeFolder(target, tmp -> {
            NDList params = new NDList();
            for (Pair<String, Parameter> p : block.getParameters()) {
                params.add(named(p.getValue().getArray(), p.getKey()));
            }
            writeNdList(tmp.resolve(MODEL), params);
            NDList buffers = new NDList();
            for (Map.Entry<String, NDArray> e : momentum.entrySet()) {
                buffers.add(named(e.getValue(), e.getKey()));
            }
            writeNdList(tmp.resolve(OPTIMIZER), buffers);
            JsonObject s = new JsonObject();
            s.addProperty("iteration", state.iteration());
            s.addProperty("lr", state.lr());
            s.addProperty("seed", state.seed());
            s.add("config", state.config());
            AtomicFiles.writeString(tmp.resolve(STATE), JsonFiles.pretty(s));
        });
        AtomicFiles.writeString(checkpointsDir.resolve(LAST), name + "\n");
        return target;
    }

    /**
     * The newest complete checkpoint: the one {@code last} names, else the highest
     * {@code iter_*} folder that has a state file.
     */
    public static Optional<Path> latest(Path checkpointsDir) throws IOException {
        Path last = checkpointsDir.resolve(LAST);
        if (Files.isRegularFile(last)) {
            Path dir = checkpointsDir.resolve(
                    Files.readString(last, StandardCharsets.UTF_8).trim());
            if (Files.isRegularFile(dir.resolve(STATE))) {
                return Optional.of(dir);
            }
        }
        if (!Files.isDirectory(checkpointsDir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(checkpointsDir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("iter_"))
                    .filter(p -> Files.isRegularFile(p.resolve(STATE)))
                    .max(Comparator.comparing(p -> p.getFileName().toString()));
        }
    }

    /** Reads {@code state.json} of a checkpoint folder. */
    public static State readState(Path dir) throws IOException {
        Path file = dir.resolve(STATE);
        if (!Files.isRegularFile(file)) {
            throw new IOException("checkpoint state not found: " + file);
        }
        try {
            JsonObject o = JsonFiles.readObject(file);
            return new State(
                    o.get("iteration").getAsInt(),
                    o.get("lr").getAsDouble(),
                    o.get("seed").getAsLong(),
                    o.getAsJsonObject("config"));
        } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
            throw new IOException(file + ": malformed checkpoint state: " + e.getMessage(), e);
        }
    }

    /**
     * Copies the saved parameters into the block's existing (initialized) parameter arrays, so
     * that every reference to them (parameter store, optimizer) stays valid.
     *
     * @throws IOException naming the file and parameter on a missing name or shape mismatch
     */
    public static void loadParameters(Block block, Path dir) throws IOException {
        Path file = dir.resolve(MODEL);
        Map<String, Parameter> params = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            params.put(p.getKey(), p.getValue());
        }
        NDManager anyManager = params.values().iterator().next().getArray().getManager();
        try (NDManager scratch = anyManager.newSubManager()) {
            Map<String, NDArray> saved = readNdList(file, scratch);
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray src = saved.get(e.getKey());
                if (src == null) {
                    throw new IOException(file + ": parameter " + e.getKey() + " is missing");
                }
                NDArray dst = e.getValue().getArray();
                if (!src.getShape().equals(dst.getShape())) {
                    throw new IOException(file + ": parameter " + e.getKey() + " has shape " + src.getShape()
                            + ", the model expects " + dst.getShape());
                }
                InPlace.copy(src, dst);
            }
            for (String k : saved.keySet()) {
                if (!params.containsKey(k)) {
                    throw new IOException(file + ": unexpected parameter " + k);
                }
            }
        }
    }

    /**
     * Reads the momentum buffers of a checkpoint onto {@code manager}.
     *
     * @return buffers by parameter path
     */
    public static Map<String, NDArray> readOptimizer(Path dir, NDManager manager) throws IOException {
        return readNdList(dir.resolve(OPTIMIZER), manager);
    }

    private static NDArray named(NDArray a, String name) {
        // a host copy carries the name without renaming the live parameter array
        NDArray copy = a.toDevice(ai.djl.Device.cpu(), true);
        copy.setName(name);
        return copy;
    }

    private static void writeNdList(Path file, NDList list) throws IOException {
        try {
            AtomicFiles.write(file, list::encode);
        } finally {
            list.close();
        }
    }

    private static Map<String, NDArray> readNdList(Path file, NDManager manager) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("checkpoint file not found: " + file);
        }
        NDList list;
        try (InputStream is = new BufferedInputStream(Files.newInputStream(file))) {
            list = NDList.decode(manager, is);
        } catch (RuntimeException e) {
            throw new IOException(file + ": corrupt checkpoint file: " + e.getMessage(), e);
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (NDArray a : list) {
            if (a.getName() == null || out.put(a.getName(), a) != null) {
                throw new IOException(file + ": array without a unique name in checkpoint");
            }
        }
        return out;
    }
}
