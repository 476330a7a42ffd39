package org.cardinal.detector.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.lang.reflect.Method;

/**
 * Weighted sums of table rows, {@code out[m] = sum_p weight[m, p] * table[index[m, p]]}, the
 * reduction at the heart of RoIAlign, differentiable w.r.t. the table.
 *
 * <p>Preferred form: one sparse (M x S) COO matrix times the dense (S, C) table. It never
 * materialises the (M, P, C) gathered rows (16x the output for 2x2 samples), and its backward is
 * one sparse-transpose product into the table's gradient. DJL's public API builds COO tensors
 * only from host buffers, so the PyTorch engine's own constructor, which takes device tensors,
 * is looked up once by reflection. Where that is unavailable (another engine), the fallback
 * gathers the rows ({@code embedding}, i.e. index_select) and reduces them with a batched
 * matrix product: same values, more memory.
 */
final class WeightedRows {

    private static final Method SPARSE_COO = findSparseCoo();

    /** Tests switch this off to exercise the fallback path. */
    static volatile boolean useSparse = SPARSE_COO != null;

    private WeightedRows() {}

    /**
     * @param table (S, C)
     * @param index (M, P) int64 row indices into table
     * @param weight (M, P) weights, same dtype as table
     * @return (M, C)
     */
    static NDArray reduce(NDArray table, NDArray index, NDArray weight) {
        long m = index.getShape().get(0);
        long p = index.getShape().get(1);
        long s = table.getShape().get(0);
        long c = table.getShape().get(1);
        if (useSparse && SPARSE_COO != null) {
            NDManager manager = index.getManager();
            NDArray rows = manager.arange(0f, (float) m, 1f, DataType.INT64, index.getDevice())
                    .reshape(m, 1)
                    .repeat(1, p)
                    .reshape(-1);
            NDArray flatIndex = index.reshape(-1);
            NDArray coords = rows.stack(flatIndex, 0); // (2, M*P)
            NDArray flatWeight = weight.reshape(-1);
            NDArray sparse;
            try {
                sparse = (NDArray) SPARSE_COO.invoke(null, coords, flatWeight, new Shape(m, s));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("sparse COO construction failed", e);
            }
            NDArray out = sparse.matMul(table);
            // what backward needs of the sparse matrix, autograd keeps (Temporaries)
            for (NDArray used : new NDArray[] {rows, flatIndex, coords, flatWeight, sparse}) {
                used.close();
            }
            return out;
        }
        NDArray gathered = index.getNDArrayInternal()
                .embedding(index.reshape(-1), table, SparseFormat.DENSE)
                .singletonOrThrow()
                .reshape(m, p, c);
        return weight.reshape(m, 1, p).matMul(gathered).reshape(m, c);
    }

    private static Method findSparseCoo() {
        try {
            Class<?> jni = Class.forName("ai.djl.pytorch.jni.JniUtils");
            Class<?> array = Class.forName("ai.djl.pytorch.engine.PtNDArray");
            return jni.getMethod("createSparseCoo", array, array, Shape.class);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }
}
