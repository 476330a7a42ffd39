package org.cardinal.backbone.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.util.Pair;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cardinal.core.train.InPlace;
import org.cardinal.core.train.NativeHeap;

/**
 * Moves weights between DJL blocks and {@link StateDict}s by torchvision's parameter names.
 *
 * <p>Naming: walking the block tree from the root, a child's name is its name in the parent
 * with the two-digit index that {@code AbstractBlock.addChildBlock} prepends stripped; the children
 * of a {@link SequentialBlock} or {@link ParallelBlock} are named by position ("0", "1", ...) like
 * an {@code nn.Sequential}. Names are joined with ".". Parameter names are DJL's, except that
 * BatchNorm's gamma, beta, runningMean, runningVar become weight, bias, running_mean,
 * running_var. Works on any block tree (backbone, FPN, RPN, RoI heads).
 */
public final class StateDicts {
    /** torchvision's BatchNorm counter; a training statistic, not a weight. */
    public static final String NUM_BATCHES_TRACKED = "num_batches_tracked";

    private static final int MAX_LISTED = 20;

    private StateDicts() {}

    /** Parameters of {@code root} by torchvision name, in block-tree order. */
    public static LinkedHashMap<String, Parameter> namedParameters(Block root) {
        LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
        walk("", root, (name, p, owner) -> {
            if (out.put(name, p) != null) {
                throw new IllegalStateException("two parameters share the name '" + name + "' in "
                        + root.getClass().getSimpleName());
            }
        });
        return out;
    }

    /**
     * Copies the tensors of {@code sd} whose names start with {@code prefix} (prefix removed) into
     * the initialized parameters of {@code root}. {@code num_batches_tracked} entries are ignored.
     * A shape mismatch always throws, naming the parameter, the expected (model) and found (file)
     * shape; with {@code strict}, a missing or unexpected name throws too, listing them.
     * Floating tensors are cast to the parameter's dtype. Ends with one garbage collection, so that
     * the heap does not keep the file's bytes resident (a JVM started with {@code
     * -XX:+DisableExplicitGC} skips it).
     *
     * @throws IllegalArgumentException on a mismatch (message starts with the file when known)
     * @throws IllegalStateException when a parameter is not initialized yet
     */
    public static LoadReport load(Block root, StateDict sd, String prefix, boolean strict) {
        String p = prefix == null ? "" : prefix;
        String from = sd.source() == null ? "state dict" : sd.source().toString();
        LinkedHashMap<String, Parameter> params = namedParameters(root);
        LinkedHashMap<String, TensorData> available = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : sd.entries()) {
            String k = e.getKey();
            if (k.startsWith(p) && !k.endsWith("." + NUM_BATCHES_TRACKED) && !k.equals(NUM_BATCHES_TRACKED)) {
                available.put(k.substring(p.length()), e.getValue());
            }
        }
        List<String> missing = new ArrayList<>();
        List<String> loaded = new ArrayList<>();
        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            TensorData t = available.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
                continue;
            }
            Parameter param = e.getValue();
            if (!param.isInitialized()) {
                throw new IllegalStateException("parameter '" + e.getKey() + "' is not initialized; call "
                        + "block.initialize(manager, dtype, inputShape) before loading weights");
            }
            Shape expected = param.getArray().getShape();
            if (!Arrays.equals(expected.getShape(), t.shape())) {
                mismatches.add("parameter '" + p + e.getKey() + "': expected shape " + expected + " (model), found "
                        + new Shape(t.shape()));
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : available.keySet()) {
            if (!params.containsKey(k)) {
                unexpected.add(k);
            }
        }
        if (!mismatches.isEmpty()) {
            String hint = mismatches.size() > 3 ? " (do the weights belong to this architecture?)" : "";
            throw new IllegalArgumentException(from + ": shape mismatch for " + mismatches.size() + " parameter(s)"
                    + hint + ": " + String.join("; ", head(mismatches, 5)));
        }
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            StringBuilder msg = new StringBuilder(from)
                    .append(": does not match ")
                    .append(root.getClass().getSimpleName());
            if (!p.isEmpty()) {
                msg.append(" under prefix '").append(p).append('\'');
            }
            if (!missing.isEmpty()) {
                msg.append("; missing ")
                        .append(missing.size())
                        .append(" parameter(s): ")
                        .append(head(missing, MAX_LISTED));
            }
            if (!unexpected.isEmpty()) {
                msg.append("; unexpected ")
                        .append(unexpected.size())
                        .append(" key(s): ")
                        .append(head(unexpected, MAX_LISTED));
            }
            throw new IllegalArgumentException(msg.toString());
        }
        // One native staging buffer for every tensor, not one per tensor: a direct buffer is freed
        // only when the collector runs, so per-tensor ones would keep a copy of the whole file in
        // native memory for as long as no collection happens (a training loop allocates little heap).
        int largest = 0;
        for (String name : params.keySet()) {
            TensorData t = available.get(name);
            largest = t == null ? largest : Math.max(largest, t.data().length);
        }
        ByteBuffer staging = ByteBuffer.allocateDirect(largest);
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            TensorData t = available.get(e.getKey());
            if (t != null) {
                copyInto(e.getValue().getArray(), t, staging);
                loaded.add(e.getKey());
            }
        }
        // The file's bytes, read onto the heap, are garbage now. A training loop allocates too
        // little heap for the collector to run soon, so the heap would keep them resident (about
        // the file's size, 170-200 MB on the R50-FPN benchmark): collect them once, here, and
        // return what the load freed in the C heap (staging buffer, decoded tensors).
        System.gc();
        NativeHeap.trim();
        return new LoadReport(loaded, missing, unexpected);
    }

    /**
     * All parameters of {@code root} as a state dict with torchvision names; every DJL BatchNorm
     * also gets an int64 scalar {@code num_batches_tracked} (0) after its running_var so that
     * torchvision's {@code load_state_dict(strict=True)} accepts the file. One host copy per tensor.
     */
    public static StateDict export(Block root) {
        StateDict sd = new StateDict();
        walk("", root, (name, p, owner) -> {
            if (!p.isInitialized()) {
                throw new IllegalStateException("parameter '" + name + "' is not initialized; nothing to export");
            }
            sd.put(name, TensorData.of(p.getArray()));
            if (owner instanceof BatchNorm && name.endsWith("running_var")) {
                String base = name.substring(0, name.length() - "running_var".length());
                sd.put(base + NUM_BATCHES_TRACKED, TensorData.ofLongs(new long[] {0}));
            }
        });
        return sd;
    }

    /**
     * Bytes of the initialized parameters of {@code root} (what a weight file for it holds), for
     * {@link StateDict#read(java.nio.file.Path, long)}'s budget; uninitialized ones count 0.
     */
    public static long parameterBytes(Block root) {
        long total = 0;
        for (Parameter p : namedParameters(root).values()) {
            if (p.isInitialized()) {
                NDArray a = p.getArray();
                total += a.size() * a.getDataType().getNumOfBytes();
            }
        }
        return total;
    }

    /** torchvision's name for a DJL parameter name. */
    public static String torchName(String djlName) {
        return switch (djlName) {
            case "gamma" -> "weight";
            case "beta" -> "bias";
            case "runningMean" -> "running_mean";
            case "runningVar" -> "running_var";
            default -> djlName;
        };
    }

    private interface Visitor {
        void visit(String name, Parameter p, Block owner);
    }

    private static void walk(String prefix, Block block, Visitor v) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            v.visit(join(prefix, torchName(p.getKey())), p.getValue(), block);
        }
        boolean positional = block instanceof SequentialBlock || block instanceof ParallelBlock;
        ai.djl.nn.BlockList children = block.getChildren();
        for (int i = 0; i < children.size(); i++) {
            Pair<String, Block> c = children.get(i);
            String name = positional ? Integer.toString(i) : stripIndex(c.getKey(), i);
            walk(join(prefix, name), c.getValue(), v);
        }
    }

    /** Removes the "%02d" (1-based) index that AbstractBlock.addChildBlock prepends. */
    static String stripIndex(String key, int position) {
        String idx = String.format("%02d", position + 1);
        return key.startsWith(idx) ? key.substring(idx.length()) : key;
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    private static List<String> head(List<String> names, int max) {
        if (names.size() <= max) {
            return names;
        }
        List<String> h = new ArrayList<>(names.subList(0, max));
        h.add("... (" + (names.size() - max) + " more)");
        return h;
    }

    /**
     * Copies a host tensor into an existing parameter array, on its device, cast to its dtype,
     * through {@code staging}; the copy is done when this returns, so the buffer may be reused.
     */
    private static void copyInto(NDArray target, TensorData t, ByteBuffer staging) {
        try (NDManager tmp = target.getManager().newSubManager()) {
            InPlace.copy(t.toNDArray(tmp, staging), target);
        }
    }
}
