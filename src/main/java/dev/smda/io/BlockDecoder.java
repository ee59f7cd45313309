package dev.smda.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Turns one block of a quantised ggml tensor, starting at byte {@code at}, into its float values. */
@FunctionalInterface
interface BlockDecoder {

    void decode(MemorySegment data, long at, float[] values);

    ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The unsigned byte at {@code at}. */
    static int u8(MemorySegment data, long at) {
        return data.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }

    /** The signed byte at {@code at}. */
    static int i8(MemorySegment data, long at) {
        return data.get(ValueLayout.JAVA_BYTE, at);
    }

    /** The half-precision float at {@code at}: every block's scales are stored so. */
    static float f16(MemorySegment data, long at) {
        return Float.float16ToFloat(data.get(I16_LE, at));
    }
}
