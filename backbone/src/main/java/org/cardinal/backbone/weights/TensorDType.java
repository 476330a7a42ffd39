package org.cardinal.backbone.weights;

import ai.djl.ndarray.types.DataType;

/**
 * Element types a weight file can hold, named as in the safetensors header ("F32", "I64", ...).
 *
 * <p>Every type is stored little-endian; {@link #byteSize()} is the width of one element.
 */
public enum TensorDType {
    F64(8, DataType.FLOAT64, "DoubleStorage"),
    F32(4, DataType.FLOAT32, "FloatStorage"),
    F16(2, DataType.FLOAT16, "HalfStorage"),
    BF16(2, DataType.BFLOAT16, "BFloat16Storage"),
    I64(8, DataType.INT64, "LongStorage"),
    I32(4, DataType.INT32, "IntStorage"),
    I16(2, DataType.INT16, "ShortStorage"),
    I8(1, DataType.INT8, "CharStorage"),
    U8(1, DataType.UINT8, "ByteStorage"),
    BOOL(1, DataType.BOOLEAN, "BoolStorage");

    private final int byteSize;
    private final DataType dataType;
    private final String torchStorage;

    TensorDType(int byteSize, DataType dataType, String torchStorage) {
        this.byteSize = byteSize;
        this.dataType = dataType;
        this.torchStorage = torchStorage;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The matching DJL data type. */
    public DataType toDataType() {
        return dataType;
    }

    /** Name of the legacy typed storage class in module {@code torch} ("FloatStorage", ...). */
    public String torchStorageName() {
        return torchStorage;
    }

    /** Whether the type holds floating-point numbers. */
    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** The type for a DJL data type; throws for types weight files do not carry. */
    public static TensorDType fromDataType(DataType type) {
        for (TensorDType t : values()) {
            if (t.dataType == type) {
                return t;
            }
        }
        throw new IllegalArgumentException("data type " + type + " cannot be stored in a state dict");
    }

    /** The type for a safetensors dtype name ("F32"), or null when unknown. */
    public static TensorDType fromSafetensorsName(String name) {
        for (TensorDType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** The type for a torch typed-storage class name ("FloatStorage"), or null when unknown. */
    public static TensorDType fromTorchStorageName(String name) {
        for (TensorDType t : values()) {
            if (t.torchStorage.equals(name)) {
                return t;
            }
        }
        return null;
    }
}
