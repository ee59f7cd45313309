package dev.smda.tensor;

import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

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

    /** Little-endian bytes of {@code values} stored as this floating type (BF16 rounded to the nearest even, as PyTorch rounds). */
    public byte[] encode(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, bytes)).order(ByteOrder.LITTLE_ENDIAN);
        switch (this) {
            case F32 -> b.asFloatBuffer().put(values);
            case F16 -> {
                for (float v : values) {
                    b.putShort(Float.floatToFloat16(v));
                }
            }
            case BF16 -> {
                for (float v : values) {
                    b.putShort(bfloat16(v));
                }
            }
            default -> throw new IllegalArgumentException(this + " is not a floating type smda writes");
        }
        return b.array();
    }

    private static short bfloat16(float v) {
        if (Float.isNaN(v)) {
            return 0x7fc0;
        }
        int bits = Float.floatToRawIntBits(v);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
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
