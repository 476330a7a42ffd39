package org.cardinal.backbone.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a state dict as it lies in a weight file: element type, shape and the raw
 * elements in C order (row-major), little-endian, contiguous. A scalar has an empty shape.
 *
 * <p>The record is a value: {@link #equals} compares dtype, shape and bytes.
 */
public record TensorData(TensorDType dtype, long[] shape, byte[] data) {

    /** Validates that {@code data} holds exactly {@code numel * byteSize} bytes. */
    public TensorData {
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        long need = byteSize(dtype, shape);
        if (need != data.length) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " and dtype " + dtype
                    + " needs " + need + " bytes, got " + data.length);
        }
    }

    /** A float32 tensor holding {@code values} in C order. */
    public static TensorData ofFloats(float[] values, long... shape) {
        ByteBuffer bb = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(values);
        return new TensorData(TensorDType.F32, shape, bb.array());
    }

    /** An int64 tensor holding {@code values} in C order. */
    public static TensorData ofLongs(long[] values, long... shape) {
        ByteBuffer bb = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        bb.asLongBuffer().put(values);
        return new TensorData(TensorDType.I64, shape, bb.array());
    }

    /** Copies an NDArray to the host (a deliberate transfer: weight files live on the host). */
    public static TensorData of(NDArray array) {
        TensorDType dtype = TensorDType.fromDataType(array.getDataType());
        ByteBuffer buf = array.toByteBuffer().order(ByteOrder.nativeOrder());
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            swapBytes(bytes, dtype.byteSize());
        }
        return new TensorData(dtype, array.getShape().getShape(), bytes);
    }

    /** Number of elements (1 for a scalar). */
    public long numel() {
        return numel(shape);
    }

    /**
     * Number of elements of a shape (1 for the empty shape).
     *
     * @throws IllegalArgumentException if a dimension is negative
     * @throws ArithmeticException if the product overflows a long
     */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * Bytes of a tensor of that dtype and shape, {@code numel * element size}.
     *
     * @throws IllegalArgumentException if a dimension is negative or the size overflows a long
     */
    public static long byteSize(TensorDType dtype, long[] shape) {
        try {
            return Math.multiplyExact(numel(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(
                    "tensor of shape " + Arrays.toString(shape) + " and dtype " + dtype + " overflows a 64-bit size");
        }
    }

    /** The shape as a DJL Shape. */
    public Shape djlShape() {
        return new Shape(shape);
    }

    /** The elements converted to float (exact for F32/F16/BF16; rounded for F64 and large integers). */
    public float[] toFloatArray() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        ByteBuffer bb = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> bb.asFloatBuffer().get(out);
            case F64 -> {
                for (int i = 0; i < n; i++) out[i] = (float) bb.getDouble(i * 8);
            }
            case F16 -> {
                for (int i = 0; i < n; i++) out[i] = halfToFloat(bb.getShort(i * 2));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((bb.getShort(i * 2) & 0xffff) << 16);
            }
            case I64 -> {
                for (int i = 0; i < n; i++) out[i] = bb.getLong(i * 8);
            }
            case I32 -> {
                for (int i = 0; i < n; i++) out[i] = bb.getInt(i * 4);
            }
            case I16 -> {
                for (int i = 0; i < n; i++) out[i] = bb.getShort(i * 2);
            }
            case I8 -> {
                for (int i = 0; i < n; i++) out[i] = data[i];
            }
            case U8, BOOL -> {
                for (int i = 0; i < n; i++) out[i] = data[i] & 0xff;
            }
            default -> throw new IllegalStateException("unhandled dtype " + dtype);
        }
        return out;
    }

    /**
     * Creates an NDArray of the same dtype and shape on {@code manager}'s device. Half and
     * bfloat16 tensors are widened to float32 on the host first, because not every engine build
     * creates them from a buffer.
     */
    public NDArray toNDArray(NDManager manager) {
        return toNDArray(manager, null);
    }

    /**
     * {@link #toNDArray(NDManager)} over a given direct buffer of at least {@code data().length}
     * bytes (null: a new one), which the array then reads: reuse it only once the array is closed.
     */
    public NDArray toNDArray(NDManager manager, ByteBuffer buffer) {
        if (dtype == TensorDType.F16 || dtype == TensorDType.BF16) {
            return manager.create(toFloatArray(), djlShape());
        }
        ByteBuffer base = buffer == null ? ByteBuffer.allocateDirect(data.length) : buffer.clear();
        ByteBuffer direct = base.limit(data.length).slice().order(ByteOrder.nativeOrder());
        direct.put(data);
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            byte[] swapped = data.clone();
            swapBytes(swapped, dtype.byteSize());
            direct.clear();
            direct.put(swapped);
        }
        direct.rewind();
        return manager.create(direct, djlShape(), dtype.toDataType());
    }

    /** Reverses the byte order of every {@code width}-byte element in place. */
    static void swapBytes(byte[] bytes, int width) {
        for (int i = 0; i + width <= bytes.length; i += width) {
            for (int a = i, b = i + width - 1; a < b; a++, b--) {
                byte t = bytes[a];
                bytes[a] = bytes[b];
                bytes[b] = t;
            }
        }
    }

    /** IEEE 754 half -> float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            // subnormal or zero: value = mant * 2^-24
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData t
                && t.dtype == dtype
                && Arrays.equals(t.shape, shape)
                && Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "TensorData[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
