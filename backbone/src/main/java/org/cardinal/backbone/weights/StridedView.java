package org.cardinal.backbone.weights;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * A tensor as a {@code .pth} pickle describes it: a view (offset, size, stride) into a storage,
 * checked to lie inside the storage with overflow-checked arithmetic, but not yet copied. {@link
 * #bytes} is the size of its contiguous copy, known before anything is allocated. Identity matters:
 * a tensor the pickle names twice is copied once.
 */
final class StridedView {
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

    private final String storageKey;
    private final TensorDType dtype;
    private final byte[] storage;
    private final long offset;
    private final long[] size;
    private final long[] stride;
    private final long bytes;

    private StridedView(
            String storageKey, TensorDType dtype, byte[] storage, long offset, long[] size, long[] stride, long bytes) {
        this.storageKey = storageKey;
        this.dtype = dtype;
        this.storage = storage;
        this.offset = offset;
        this.size = size;
        this.stride = stride;
        this.bytes = bytes;
    }

    /**
     * Checks a view against its storage: sizes, strides and offset non-negative, every element it
     * addresses inside the storage, its contiguous size computable without overflow and below 2 GiB.
     *
     * @param storage the storage's bytes (little-endian), a whole number of elements
     * @throws WeightsFormatException naming {@code file}, the storage, size, stride and offset
     */
    static StridedView of(
            Path file, String storageKey, TensorDType dtype, byte[] storage, long offset, long[] size, long[] stride)
            throws WeightsFormatException {
        String where = "tensor on storage '" + storageKey + "' with size " + Arrays.toString(size) + ", stride "
                + Arrays.toString(stride) + ", offset " + offset;
        if (size.length != stride.length) {
            throw new WeightsFormatException(file, where + ": size and stride have different lengths");
        }
        long numel = 1;
        for (int i = 0; i < size.length; i++) {
            if (stride[i] < 0 || size[i] < 0) {
                throw new WeightsFormatException(file, where + ": negative size or stride");
            }
            numel = multiply(file, where, numel, size[i]);
        }
        long bytes = multiply(file, where, numel, dtype.byteSize());
        if (bytes > MAX_ARRAY) {
            throw new WeightsFormatException(file, where + ": larger than 2 GiB (" + bytes + " bytes)");
        }
        if (offset < 0) {
            throw new WeightsFormatException(file, where + ": negative storage offset");
        }
        if (numel > 0) {
            // the last element addressed, saturated at the storage's length so that the sum cannot overflow
            long last = offset;
            long held = storage.length / dtype.byteSize();
            for (int i = 0; i < size.length; i++) {
                long reach = size[i] == 1 ? 0 : multiply(file, where, size[i] - 1, stride[i]);
                last = last > held || reach > held ? held : last + reach;
            }
            if (last >= held) {
                throw new WeightsFormatException(
                        file,
                        where + ": addresses elements past the " + held
                                + " elements the storage holds (storage too short)");
            }
        }
        return new StridedView(storageKey, dtype, storage, offset, size.clone(), stride.clone(), bytes);
    }

    private static long multiply(Path file, String where, long a, long b) throws WeightsFormatException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new WeightsFormatException(file, where + ": its size in bytes overflows a 64-bit integer", e);
        }
    }

    /** Bytes of the contiguous copy. */
    long bytes() {
        return bytes;
    }

    /** The contiguous copy in C order (allocates {@link #bytes()}). */
    TensorData materialize() {
        int es = dtype.byteSize();
        byte[] out = new byte[(int) bytes];
        if (bytes > 0 && isContiguous()) {
            System.arraycopy(storage, (int) (offset * es), out, 0, out.length);
        } else if (bytes > 0) {
            gather(es, out);
        }
        return new TensorData(dtype, size, out);
    }

    private boolean isContiguous() {
        long expect = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expect) {
                return false;
            }
            expect *= size[i];
        }
        return true;
    }

    /** Copies the strided view element by element into C order. */
    private void gather(int es, byte[] out) {
        int rank = size.length;
        long[] idx = new long[rank];
        long n = out.length / es;
        long srcPos = offset;
        for (long k = 0; k < n; k++) {
            System.arraycopy(storage, (int) (srcPos * es), out, (int) (k * es), es);
            for (int d = rank - 1; d >= 0; d--) {
                idx[d]++;
                srcPos += stride[d];
                if (idx[d] < size[d]) {
                    break;
                }
                srcPos -= idx[d] * stride[d];
                idx[d] = 0;
            }
        }
    }

    @Override
    public String toString() {
        return "tensor of size " + Arrays.toString(size) + ", stride " + Arrays.toString(stride) + " on storage '"
                + storageKey + "' at offset " + offset;
    }
}
