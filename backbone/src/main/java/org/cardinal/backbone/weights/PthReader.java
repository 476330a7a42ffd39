package org.cardinal.backbone.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.cardinal.backbone.weights.Unpickler.PyCallable;
import org.cardinal.backbone.weights.Unpickler.PyDict;
import org.cardinal.backbone.weights.Unpickler.Tuple;

/**
 * Reads a checkpoint written by {@code torch.save} in the zip format (PyTorch >= 1.6):
 * {@code <archive>/data.pkl} (the pickled object), {@code <archive>/data/<key>} (one raw storage
 * per key), {@code <archive>/byteorder} and {@code <archive>/version}.
 *
 * <p>This is a security boundary. The pickle is run by {@link Unpickler} with an allowlist of the
 * globals a tensor state dict needs: {@code collections.OrderedDict}, {@code torch._utils
 * ._rebuild_tensor_v2}/{@code _rebuild_tensor}/{@code _rebuild_parameter}[{@code _with_state}],
 * {@code torch._tensor._rebuild_from_type_v2}, {@code torch.Tensor}, {@code torch.nn.parameter
 * .Parameter}, the typed storages {@code torch.FloatStorage} etc., {@code torch.device} and
 * {@code _codecs.encode}. Any other global (os.system, builtins.eval, subprocess.Popen, ...) is
 * refused with an error naming the file and the global; none of them is ever looked up.
 *
 * <p>Views are materialised: a tensor with a storage offset and strides (a transposed or sliced
 * view, or several tensors sharing one storage) becomes its own contiguous copy, once it is known
 * to be part of the state dict and by name.
 *
 * <p>Every size in the file is treated as hostile: byte counts are overflow-checked, zip entries are
 * read through a stream capped at their declared size, and every allocation (entries, copies of
 * views, the unpickler's objects, the names) is counted against a {@link ReadBudget} before it is
 * made. Cyclic, deeply nested or exponentially shared containers end in a {@link
 * WeightsFormatException}, like every other malformed file.
 */
final class PthReader {
    private static final String[] WRAPPER_KEYS = {"state_dict", "model", "model_state", "model_state_dict"};
    /** Deepest container nesting of a state dict (torch checkpoints nest a few levels). */
    static final int MAX_NESTING = 100;
    /** What the budget counts per container or value visited when flattening, besides its name. */
    private static final int NODE_COST = 64;

    private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final boolean bigEndian;
    private final ReadBudget budget;
    private final Map<String, Storage> storages = new HashMap<>();
    private final Map<StridedView, TensorData> materialized = new IdentityHashMap<>();

    /** A storage type named in a persistent id (torch.FloatStorage -> F32). */
    private record StorageType(TensorDType dtype) {}

    /** One raw storage of the archive: dtype and its bytes (little-endian after reading). */
    private record Storage(String key, TensorDType dtype, byte[] data) {}

    /** A type named only to be passed to _rebuild_from_type_v2. */
    private record TypeMarker(String qualifiedName) {}

    private PthReader(Path file, ZipFile zip, String prefix, boolean bigEndian, ReadBudget budget) {
        this.file = file;
        this.zip = zip;
        this.prefix = prefix;
        this.bigEndian = bigEndian;
        this.budget = budget;
    }

    /** Reads a {@code .pth} zip checkpoint into a flat state dict within {@code budget}. */
    static StateDict read(Path file, ReadBudget budget) throws IOException {
        checkMagic(file);
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new WeightsFormatException(file, "corrupt or truncated zip archive (" + e.getMessage() + ")", e);
        }
        try (zip) {
            ZipEntry pkl = findDataPkl(file, zip);
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            boolean big = false;
            ZipEntry bo = zip.getEntry(prefix + "byteorder");
            if (bo != null) {
                if (bo.getSize() > 16) {
                    throw new WeightsFormatException(
                            file,
                            "entry " + bo.getName() + " is too large (" + bo.getSize()
                                    + " bytes, expected 'little' or 'big')");
                }
                String order = new String(readEntry(file, zip, bo, budget), StandardCharsets.US_ASCII).trim();
                if (!order.equals("little") && !order.equals("big")) {
                    throw new WeightsFormatException(
                            file, "byteorder entry says '" + order + "', expected little or big");
                }
                big = order.equals("big");
            }
            PthReader reader = new PthReader(file, zip, prefix, big, budget);
            byte[] code = readEntry(file, zip, pkl, budget);
            Object root = Unpickler.load(code, file, pkl.getName(), reader.resolver(), budget);
            return reader.toStateDict(root);
        } catch (ZipException e) {
            throw new WeightsFormatException(file, "corrupt zip archive (" + e.getMessage() + ")", e);
        }
    }

    private static void checkMagic(Path file) throws IOException {
        byte[] head = new byte[512];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (NoSuchFileException e) {
            throw new WeightsFormatException(file, "no such file", e);
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return;
        }
        boolean legacyPickle = n >= 2 && (head[0] & 0xff) == 0x80 && head[1] <= 5;
        boolean legacyTar = n >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        if (legacyPickle || legacyTar) {
            throw new WeightsFormatException(
                    file,
                    "legacy (pre-1.6, non-zip) PyTorch serialization is unsupported; "
                            + "re-save it with torch.save(obj, path, _use_new_zipfile_serialization=True)");
        }
        throw new WeightsFormatException(
                file, "not a PyTorch zip checkpoint (no zip signature) nor a safetensors file");
    }

    private static ZipEntry findDataPkl(Path file, ZipFile zip) throws WeightsFormatException {
        ZipEntry found = null;
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            ZipEntry e = en.nextElement();
            String name = e.getName();
            if (name.equals("data.pkl") || (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - 9)) {
                if (found == null || name.length() < found.getName().length()) {
                    found = e;
                }
            }
        }
        if (found == null) {
            throw new WeightsFormatException(
                    file, "zip archive has no '<archive>/data.pkl': not a torch.save checkpoint");
        }
        return found;
    }

    /**
     * The bytes of an entry, read through a stream capped at its declared size: the budget is charged
     * that size first, and an entry that holds more (a deflate stream that inflates past it) or less
     * is refused.
     */
    private static byte[] readEntry(Path file, ZipFile zip, ZipEntry e, ReadBudget budget) throws IOException {
        long size = e.getSize();
        if (size < 0 || size > MAX_ARRAY) {
            throw new WeightsFormatException(
                    file,
                    "entry " + e.getName() + " declares " + (size < 0 ? "no" : "too large a") + " size (" + size
                            + " bytes)");
        }
        budget.charge(size, () -> "entry " + e.getName() + " (" + size + " bytes)");
        try (InputStream in = zip.getInputStream(e)) {
            byte[] data = in.readNBytes((int) size);
            if (data.length < size) {
                throw new WeightsFormatException(
                        file,
                        "entry " + e.getName() + " holds " + data.length + " bytes but declares " + size
                                + " (corrupt or truncated)");
            }
            if (in.read() >= 0) {
                throw new WeightsFormatException(
                        file, "entry " + e.getName() + " holds more than the " + size + " bytes it declares");
            }
            return data;
        } catch (ZipException | java.io.EOFException ex) {
            throw new WeightsFormatException(
                    file, "entry " + e.getName() + " is corrupt or truncated (" + ex.getMessage() + ")", ex);
        }
    }

    private Unpickler.Resolver resolver() {
        return new Unpickler.Resolver() {
            @Override
            public Object global(String module, String name) throws WeightsFormatException {
                return allowedGlobal(module, name);
            }

            @Override
            public Object persistentLoad(Object pid) throws WeightsFormatException {
                return loadStorage(pid);
            }
        };
    }

    private Object allowedGlobal(String module, String name) throws WeightsFormatException {
        String q = module + "." + name;
        switch (q) {
            case "collections.OrderedDict":
                return (PyCallable) args -> {
                    PyDict d = new PyDict();
                    if (args.size() > 0 && args.get(0) instanceof List<?> pairs) {
                        for (Object p : pairs) {
                            if (p instanceof Tuple t && t.size() == 2) {
                                String why = PickleValues.unhashable(t.get(0));
                                if (why != null) {
                                    throw new WeightsFormatException(file, q + ": " + why);
                                }
                                d.put(t.get(0), t.get(1));
                            }
                        }
                    }
                    return d;
                };
            case "torch._utils._rebuild_tensor_v2":
            case "torch._utils._rebuild_tensor":
                return (PyCallable) this::rebuildTensor;
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
                return (PyCallable) args -> {
                    if (args.size() < 1 || !(args.get(0) instanceof StridedView t)) {
                        throw new WeightsFormatException(file, q + " expects a tensor as first argument");
                    }
                    return t;
                };
            case "torch._tensor._rebuild_from_type_v2":
                return (PyCallable) args -> {
                    if (args.size() < 3
                            || !(args.get(0) instanceof PyCallable fn)
                            || !(args.get(1) instanceof TypeMarker)
                            || !(args.get(2) instanceof Tuple inner)) {
                        throw new WeightsFormatException(file, q + " with unexpected arguments");
                    }
                    return fn.call(inner);
                };
            case "torch.Tensor":
            case "torch.nn.parameter.Parameter":
                return new TypeMarker(q);
            case "torch.device":
                return (PyCallable) args -> "device" + describe(args);
            case "_codecs.encode":
                return (PyCallable) args -> {
                    if (args.size() < 1 || !(args.get(0) instanceof String s)) {
                        throw new WeightsFormatException(file, q + " expects a string");
                    }
                    return s.getBytes(StandardCharsets.ISO_8859_1);
                };
            default:
                break;
        }
        if (module.equals("torch")) {
            TensorDType t = TensorDType.fromTorchStorageName(name);
            if (t != null) {
                return new StorageType(t);
            }
        }
        throw new WeightsFormatException(
                file,
                "refusing pickle global '" + q + "': only the globals of a tensor "
                        + "state_dict are allowed (collections.OrderedDict, torch._utils._rebuild_tensor_v2, "
                        + "torch._utils._rebuild_parameter, torch.*Storage, ...); this file may be malicious or not a state_dict");
    }

    private Storage loadStorage(Object pid) throws WeightsFormatException {
        if (!(pid instanceof Tuple t) || t.size() < 5 || !"storage".equals(t.get(0))) {
            throw new WeightsFormatException(
                    file,
                    "unsupported persistent id " + describe(pid)
                            + " (expected ('storage', type, key, location, numel))");
        }
        if (!(t.get(1) instanceof StorageType st)) {
            throw new WeightsFormatException(
                    file,
                    "persistent id names storage type " + describe(t.get(1))
                            + ", expected torch.FloatStorage or another typed storage");
        }
        if (!(t.get(2) instanceof String key) || !(t.get(4) instanceof Long numel)) {
            throw new WeightsFormatException(file, "malformed storage persistent id " + describe(pid));
        }
        Storage cached = storages.get(key);
        if (cached != null) {
            return cached;
        }
        String entryName = prefix + "data/" + key;
        ZipEntry e = zip.getEntry(entryName);
        if (e == null) {
            throw new WeightsFormatException(file, "storage '" + key + "' missing: no entry " + entryName);
        }
        long need = numel < 0 || numel > Long.MAX_VALUE / st.dtype().byteSize()
                ? -1
                : numel * st.dtype().byteSize();
        if (need < 0 || e.getSize() < need) {
            throw new WeightsFormatException(
                    file,
                    "storage '" + key + "' (" + entryName + ") holds " + e.getSize() + " bytes but declares " + numel
                            + " elements of " + st.dtype() + (need < 0 ? "" : " (" + need + " bytes)")
                            + ": truncated or corrupt");
        }
        byte[] data;
        try {
            data = readEntry(file, zip, e, budget);
        } catch (WeightsFormatException ex) {
            throw ex;
        } catch (IOException ex) {
            throw new WeightsFormatException(file, "cannot read " + entryName + ": " + ex.getMessage(), ex);
        }
        if (bigEndian) {
            TensorData.swapBytes(data, st.dtype().byteSize());
        }
        Storage s = new Storage(key, st.dtype(), data);
        storages.put(key, s);
        return s;
    }

    /** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
    private StridedView rebuildTensor(Tuple args) throws WeightsFormatException {
        if (args.size() < 4
                || !(args.get(0) instanceof Storage st)
                || !(args.get(1) instanceof Long offset)
                || !(args.get(2) instanceof Tuple sizeT)
                || !(args.get(3) instanceof Tuple strideT)) {
            throw new WeightsFormatException(
                    file, "_rebuild_tensor_v2 called with unexpected arguments " + describe(args));
        }
        return StridedView.of(file, st.key(), st.dtype(), st.data(), offset, longs(sizeT), longs(strideT));
    }

    private long[] longs(Tuple t) throws WeightsFormatException {
        long[] r = new long[t.size()];
        for (int i = 0; i < r.length; i++) {
            if (!(t.get(i) instanceof Long v)) {
                throw new WeightsFormatException(file, "tensor size/stride must be integers, got " + describe(t));
            }
            r[i] = v;
        }
        return r;
    }

    private static String describe(Object o) {
        return PickleValues.describe(o, 200);
    }

    /** Turns the unpickled object into a flat state dict, unwrapping {"model": {...}} checkpoints. */
    private StateDict toStateDict(Object root) throws WeightsFormatException {
        if (root instanceof StridedView) {
            throw new WeightsFormatException(file, "holds a single tensor, not a state_dict (a dict of tensors)");
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new WeightsFormatException(
                    file, "holds a " + PickleValues.typeName(root) + ", expected a state_dict (dict of tensors)");
        }
        Map<?, ?> dict = map;
        boolean hasTensors = map.values().stream().anyMatch(v -> v instanceof StridedView);
        if (!hasTensors) {
            for (String k : WRAPPER_KEYS) {
                if (map.get(k) instanceof Map<?, ?> inner) {
                    dict = inner;
                    break;
                }
            }
        }
        StateDict sd = new StateDict();
        flatten("", dict, sd, Collections.newSetFromMap(new IdentityHashMap<>()));
        if (sd.size() == 0) {
            throw new WeightsFormatException(
                    file, "contains no tensors (keys: " + describe(new ArrayList<>(map.keySet())) + ")");
        }
        return sd;
    }

    /**
     * Adds the tensors under {@code value} to {@code sd}, named by their path of keys and indices.
     * Containers on the current path are in {@code path}: one met again contains itself. Every
     * visit and name is charged to the budget before the name is built, so shared containers cannot
     * make the walk exponential, and the nesting is bounded, so it cannot overflow the stack.
     */
    private void flatten(String prefix, Object value, StateDict sd, Set<Object> path) throws WeightsFormatException {
        if (value instanceof StridedView v) {
            TensorData t = materialized.get(v);
            if (t == null) {
                budget.charge(v.bytes(), () -> "tensor '" + prefix + "' (" + v + ")");
                t = v.materialize();
                materialized.put(v, t);
            }
            sd.put(prefix, t);
            return;
        }
        boolean container = value instanceof Map<?, ?> || value instanceof List<?> || value instanceof Tuple;
        if (!container) {
            return; // numbers, strings, None: training metadata (epoch, iteration), not weights
        }
        if (path.size() >= MAX_NESTING) {
            throw new WeightsFormatException(
                    file, "containers nested deeper than " + MAX_NESTING + " levels at '" + prefix + "'");
        }
        if (!path.add(value)) {
            throw new WeightsFormatException(
                    file, "the " + PickleValues.typeName(value) + " at '" + prefix + "' contains itself (a cycle)");
        }
        if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = e.getKey() instanceof String s ? s : describe(e.getKey());
                flatten(child(prefix, k), e.getValue(), sd, path);
            }
        } else {
            List<?> l = value instanceof Tuple t ? t.items() : (List<?>) value;
            for (int i = 0; i < l.size(); i++) {
                flatten(child(prefix, String.valueOf(i)), l.get(i), sd, path);
            }
        }
        path.remove(value);
    }

    /** The name of a child, charged to the budget (with the visit) before it is built. */
    private String child(String prefix, String key) throws WeightsFormatException {
        long chars = (long) prefix.length() + 1 + key.length();
        budget.charge(NODE_COST + 2 * chars, () -> "the state dict's names (at '" + prefix + "')");
        return prefix.isEmpty() ? key : prefix + "." + key;
    }
}
