package dev.smda.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The element types of tensors in GGUF files (ggml's {@code ggml_type}), with the block layout of
 * each: quantised types store blocks of {@code blockElements} values in {@code blockBytes} bytes.
 * smda reads the float types, the legacy quantised types, the k-quants and the 4-bit non-linear
 * types (dequantised to float32); the others are known by name so that a file using them gets a
 * precise error.
 */
public enum GgmlType {
    F32(0, 1, 4, null),
    F16(1, 1, 2, null),
    Q4_0(2, 32, 18, LegacyQuants::q4_0),
    Q4_1(3, 32, 20, LegacyQuants::q4_1),
    Q5_0(6, 32, 22, LegacyQuants::q5_0),
    Q5_1(7, 32, 24, LegacyQuants::q5_1),
    Q8_0(8, 32, 34, LegacyQuants::q8_0),
    Q8_1(9, 32, 36, null),
    Q2_K(10, 256, 84, KQuants::q2_K),
    Q3_K(11, 256, 110, KQuants::q3_K),
    Q4_K(12, 256, 144, KQuants::q4_K),
    Q5_K(13, 256, 176, KQuants::q5_K),
    Q6_K(14, 256, 210, KQuants::q6_K),
    Q8_K(15, 256, 292, null),
    IQ2_XXS(16, 256, 66, null),
    IQ2_XS(17, 256, 74, null),
    IQ3_XXS(18, 256, 98, null),
    IQ1_S(19, 256, 50, null),
    IQ4_NL(20, 32, 18, NonLinearQuants::iq4_nl),
    IQ3_S(21, 256, 110, null),
    IQ2_S(22, 256, 82, null),
    IQ4_XS(23, 256, 136, NonLinearQuants::iq4_xs),
    I8(24, 1, 1, null),
    I16(25, 1, 2, null),
    I32(26, 1, 4, null),
    I64(27, 1, 8, null),
    F64(28, 1, 8, null),
    IQ1_M(29, 256, 56, null),
    BF16(30, 1, 2, null),
    TQ1_0(34, 256, 54, null),
    TQ2_0(35, 256, 66, null),
    MXFP4(39, 32, 17, null);

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int id;
    private final int blockElements;
    private final int blockBytes;
    private final BlockDecoder decoder;

    GgmlType(int id, int blockElements, int blockBytes, BlockDecoder decoder) {
        this.id = id;
        this.blockElements = blockElements;
        this.blockBytes = blockBytes;
        this.decoder = decoder;
    }

    public int id() {
        return id;
    }

    public int blockElements() {
        return blockElements;
    }

    /** Whether smda can read tensors of this type. */
    public boolean readable() {
        return this == F32 || this == F16 || this == BF16 || decoder != null;
    }

    /** The type with ggml id {@code id}, or null if ggml has none smda knows of. */
    public static GgmlType byId(long id) {
        for (GgmlType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }

    /** Bytes that {@code elements} values take; elements must fill whole blocks. */
    public long bytes(long elements) {
        return elements / blockElements * blockBytes;
    }

    /** The stored values as float32 (native order). */
    public void dequantize(MemorySegment in, MemorySegment out, long elements) {
        switch (this) {
            case F32 -> {
                for (long i = 0; i < elements; i++) {
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, i, in.getAtIndex(F32_LE, i));
                }
            }
            case F16 -> {
                for (long i = 0; i < elements; i++) {
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.float16ToFloat(in.getAtIndex(BlockDecoder.I16_LE, i)));
                }
            }
            case BF16 -> {
                for (long i = 0; i < elements; i++) {
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.intBitsToFloat((in.getAtIndex(BlockDecoder.I16_LE, i) & 0xffff) << 16));
                }
            }
            default -> {
                if (decoder == null) {
                    throw new UnsupportedOperationException("smda cannot read ggml type " + this);
                }
                float[] block = new float[blockElements];
                long blocks = elements / blockElements;
                for (long b = 0; b < blocks; b++) {
                    decoder.decode(in, b * blockBytes, block);
                    MemorySegment.copy(block, 0, out, ValueLayout.JAVA_FLOAT, b * blockElements * 4, blockElements);
                }
            }
        }
    }
}
