package org.cardinal.backbone.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ordered map from torchvision-style parameter names ({@code layer1.0.conv1.weight}) to
 * tensors, as stored in a weight file. Reads {@code .safetensors} files and PyTorch {@code .pth}
 * zip checkpoints (without executing anything, see {@link PthReader}); writes both, atomically.
 *
 * <p>Not thread-safe; a plain container that knows nothing of models. {@link StateDicts} moves
 * its tensors into and out of DJL blocks.
 */
public final class StateDict {
    private final LinkedHashMap<String, TensorData> tensors = new LinkedHashMap<>();
    private final LinkedHashMap<String, String> metadata = new LinkedHashMap<>();
    private Path source;

    /** An empty state dict. */
    public StateDict() {}

    /**
     * Reads a weight file. The format is chosen by content: a zip archive is a PyTorch checkpoint,
     * a file whose 9th byte opens a JSON header is safetensors. Every size in the file is checked
     * before it is trusted, and the reader allocates no more than the default {@linkplain ReadBudget
     * budget} for the file's size (4x the file plus 64 MiB; {@code -Dcardinal.weights.budget} or
     * {@code CARDINAL_WEIGHTS_BUDGET} replaces it).
     *
     * @throws WeightsFormatException naming the file and the tensor, entry or field, for a malformed,
     *     truncated, hostile or over-budget file
     * @throws IllegalArgumentException if the budget override is not a byte count
     */
    public static StateDict read(Path file) throws IOException {
        return read(file, 0);
    }

    /**
     * Same as {@link #read(Path)} for a file meant for a model of {@code modelBytes} bytes of
     * parameters, whose default budget grows by twice that (a small file may legitimately expand
     * into its model, e.g. through broadcast views).
     *
     * @param modelBytes bytes of the model's parameters, 0 when unknown
     */
    public static StateDict read(Path file, long modelBytes) throws IOException {
        return read(file, ReadBudget.forFile(file, Math.max(0, modelBytes)));
    }

    /** Reads a weight file within {@code budget}. */
    static StateDict read(Path file, ReadBudget budget) throws IOException {
        byte[] head = new byte[9];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (NoSuchFileException e) {
            throw new WeightsFormatException(file, "no such weights file", e);
        }
        boolean zip = n >= 4 && head[0] == 'P' && head[1] == 'K';
        boolean safetensors = !zip && (file.toString().endsWith(".safetensors") || (n == 9 && head[8] == '{'));
        StateDict sd = safetensors ? SafeTensors.read(file, budget) : PthReader.read(file, budget);
        sd.source = file;
        return sd;
    }

    /**
     * Writes the tensors atomically: safetensors when the name ends with {@code .safetensors},
     * otherwise a PyTorch zip checkpoint loadable with {@code torch.load(path, weights_only=True)}.
     */
    public void write(Path file) throws IOException {
        if (file.getFileName().toString().endsWith(".safetensors")) {
            SafeTensors.write(file, this);
        } else {
            PthWriter.write(file, this);
        }
    }

    /** The file this state dict was read from, or null when built in memory. */
    public Path source() {
        return source;
    }

    /** The tensor named {@code name}, or null. */
    public TensorData get(String name) {
        return tensors.get(name);
    }

    /** Adds or replaces a tensor (a new name goes last). */
    public StateDict put(String name, TensorData tensor) {
        tensors.put(name, tensor);
        return this;
    }

    /** Removes a tensor; returns it or null. */
    public TensorData remove(String name) {
        return tensors.remove(name);
    }

    /** Whether a tensor of that name exists. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** Names in order. */
    public Set<String> keys() {
        return tensors.keySet();
    }

    /** (name, tensor) pairs in order. */
    public Set<Map.Entry<String, TensorData>> entries() {
        return tensors.entrySet();
    }

    /** Tensors in order. */
    public Collection<TensorData> values() {
        return tensors.values();
    }

    /** Number of tensors. */
    public int size() {
        return tensors.size();
    }

    /** String metadata (safetensors {@code __metadata__}); mutable. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The tensors whose names start with {@code prefix}, with the prefix removed. */
    public StateDict withPrefix(String prefix) {
        StateDict out = new StateDict();
        out.source = source;
        tensors.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /** All tensors with {@code prefix} prepended to their names. */
    public StateDict prefixed(String prefix) {
        StateDict out = new StateDict();
        out.source = source;
        tensors.forEach((k, v) -> out.put(prefix + k, v));
        return out;
    }

    /** Total number of elements over all tensors. */
    public long numel() {
        return tensors.values().stream().mapToLong(TensorData::numel).sum();
    }

    /** Names as a list (convenient for messages). */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    @Override
    public String toString() {
        return "StateDict[" + tensors.size() + " tensors" + (source == null ? "" : " from " + source) + "]";
    }
}
