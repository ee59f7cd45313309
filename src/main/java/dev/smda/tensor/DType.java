package dev.smda.tensor;

import ai.djl.ndarray.types.DataType;

/** Element types of stored tensors, named as safetensors names them. All little-endian. */
public enum DType {
    F64(8, DataType.FLOAT64),
    F32(4, DataType.FLOAT32),
    F16(2, DataType.FLOAT16),
    BF16(2, DataType.BFLOAT16),
    I64(8, DataType.INT64),
    I32(4, DataType.INT32),
    I16(2, DataType.INT16),
    I8(1, DataType.INT8),
    U8(1, DataType.UINT8),
    BOOL(1, DataType.BOOLEAN);

    private final int bytes;
    private final DataType djl;

    DType(int bytes, DataType djl) {
        this.bytes = bytes;
        this.djl = djl;
    }

    public int bytes() {
        return bytes;
    }

    public DataType djl() {
        return djl;
    }

    /** The stored type of an array of the given DJL type. */
    public static DType of(DataType type) {
        for (DType d : values()) {
            if (d.djl == type) {
                return d;
            }
        }
        throw new IllegalArgumentException("no stored type for " + type);
    }

    /** Parses a safetensors dtype name; null if unknown. */
    public static DType parse(String name) {
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }
}
