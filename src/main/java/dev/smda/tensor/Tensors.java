package dev.smda.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Conversions between stored little-endian bytes and engine arrays. */
public final class Tensors {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Tensors() {}

    /**
     * Copies stored values into a new array owned by the engine (not by the mapping), so the
     * file can be closed and the array outlives it. Half-precision types are widened here in Java:
     * DJL's own BF16 path crashed the JVM.
     */
    public static NDArray fromSegment(NDManager manager, MemorySegment data, DType dtype, long[] shape, DataType target) {
        Shape s = new Shape(shape);
        DType hostType = switch (dtype) {
            case F16, BF16 -> DType.F32;
            default -> dtype;
        };
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host;
            if (hostType == dtype) {
                host = arena.allocate(data.byteSize(), 16);
                host.copyFrom(data);
            } else {
                host = widenToF32(arena, data, dtype);
            }
            try (NDArray borrowed = manager.create(host.asByteBuffer().order(ByteOrder.nativeOrder()), s, hostType.djl())) {
                // duplicate() copies into engine-owned memory before the arena frees the host buffer
                NDArray owned = hostType.djl() == target ? borrowed.duplicate() : borrowed.toType(target, true);
                return owned;
            }
        }
    }

    private static MemorySegment widenToF32(Arena arena, MemorySegment data, DType dtype) {
        long n = data.byteSize() / 2;
        MemorySegment out = arena.allocate(n * 4, 16);
        for (long i = 0; i < n; i++) {
            short bits = data.getAtIndex(I16, i);
            float v = dtype == DType.BF16 ? Float.intBitsToFloat((bits & 0xffff) << 16) : Float.float16ToFloat(bits);
            out.setAtIndex(F32, i, v);
        }
        return out;
    }

    /** Reads stored floating-point values into a Java array of doubles (for small tensors). */
    public static double[] toDoubles(MemorySegment data, DType dtype) {
        int n = Math.toIntExact(data.byteSize() / dtype.bytes());
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case F64 -> data.getAtIndex(F64, i);
                case F32 -> data.getAtIndex(F32, i);
                case F16 -> Float.float16ToFloat(data.getAtIndex(I16, i));
                case BF16 -> Float.intBitsToFloat((data.getAtIndex(I16, i) & 0xffff) << 16);
                default -> throw new IllegalArgumentException("not a floating-point type: " + dtype);
            };
        }
        return out;
    }

    /** Reads stored integer values into a Java array of longs. */
    public static long[] toLongs(MemorySegment data, DType dtype) {
        int n = Math.toIntExact(data.byteSize() / dtype.bytes());
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case I64 -> data.getAtIndex(I64, i);
                case I32 -> data.getAtIndex(I32, i);
                case I16 -> data.getAtIndex(I16, i);
                case I8 -> data.get(ValueLayout.JAVA_BYTE, i);
                case U8, BOOL -> data.get(ValueLayout.JAVA_BYTE, i) & 0xff;
                default -> throw new IllegalArgumentException("not an integer type: " + dtype);
            };
        }
        return out;
    }

    // DJL's create(javaArray) wraps a direct buffer without copying (torch from_blob), and its
    // scalar ops (mul(Number), div(Number), ...) wrap the number the same way and close it at once.
    // Autograd keeps such arrays for backward (the divisor of a division, the index of a gather):
    // once closed, nothing keeps the buffer alive, and a garbage collection before backward frees
    // memory the engine then reads. Everything built from Java values goes through these methods,
    // which copy into memory the engine owns.

    public static NDArray owned(NDManager manager, float[] values, Shape shape) {
        try (NDArray borrowed = manager.create(values, shape)) {
            return borrowed.duplicate();
        }
    }

    public static NDArray owned(NDManager manager, double[] values, Shape shape) {
        try (NDArray borrowed = manager.create(values, shape)) {
            return borrowed.duplicate();
        }
    }

    public static NDArray owned(NDManager manager, long[] values, Shape shape) {
        try (NDArray borrowed = manager.create(values, shape)) {
            return borrowed.duplicate();
        }
    }

    public static NDArray owned(NDManager manager, long[] values) {
        return owned(manager, values, new Shape(values.length));
    }

    /**
     * A 0-d array of {@code like}'s type holding {@code value}, owned by the engine. (DJL's
     * toType(type, copy=true) returns an alias when the type does not change, so the copy is made
     * by duplicate.)
     */
    public static NDArray scalar(NDArray like, double value) {
        try (NDArray borrowed = like.getManager().create(new double[] {value}, new Shape()); NDArray copy = borrowed.duplicate()) {
            return copy.toType(like.getDataType(), true);
        }
    }

    /**
     * {@code x} in another data type, differentiably. DJL's {@code toType} runs under a no-grad guard,
     * so gradients stop at it; copying into an array of the target type keeps them (autograd's copy
     * casts the gradient back).
     */
    public static NDArray cast(NDArray x, DataType type) {
        if (x.getDataType() == type) {
            return x;
        }
        NDArray out = x.getManager().zeros(x.getShape(), type);
        out.set(new NDIndex("..."), x);
        return out;
    }

    public static NDArray times(NDArray x, double value) {
        return x.mul(scalar(x, value));
    }

    public static NDArray dividedBy(NDArray x, double value) {
        return x.div(scalar(x, value));
    }

    public static NDArray plus(NDArray x, double value) {
        return x.add(scalar(x, value));
    }

    public static NDArray toPower(NDArray x, double exponent) {
        return x.pow(scalar(x, exponent));
    }
}
