package dev.smda.io;

import static dev.smda.io.BlockDecoder.f16;
import static dev.smda.io.BlockDecoder.i8;
import static dev.smda.io.BlockDecoder.u8;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * ggml's first quantised types: blocks of 32 values with one f16 scale d (and, for the _1 types, an
 * f16 offset m). Four-bit types keep values 0-15 in low nibbles and 16-31 in high nibbles; the 5-bit
 * types add each value's fifth bit from a 32-bit mask. Operations follow ggml's dequantisers in order
 * so the floats come out the same.
 */
final class LegacyQuants {

    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private LegacyQuants() {
    }

    /** {d, q[32] signed}: x = d·q. */
    static void q8_0(MemorySegment data, long at, float[] y) {
        float d = f16(data, at);
        for (int j = 0; j < 32; j++) {
            y[j] = d * i8(data, at + 2 + j);
        }
    }

    /** {d, nibbles[16]}: x = d·(q − 8). */
    static void q4_0(MemorySegment data, long at, float[] y) {
        float d = f16(data, at);
        for (int j = 0; j < 16; j++) {
            int q = u8(data, at + 2 + j);
            y[j] = d * ((q & 0x0f) - 8);
            y[j + 16] = d * ((q >>> 4) - 8);
        }
    }

    /** {d, m, nibbles[16]}: x = q·d + m. */
    static void q4_1(MemorySegment data, long at, float[] y) {
        float d = f16(data, at);
        float m = f16(data, at + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(data, at + 4 + j);
            y[j] = (q & 0x0f) * d + m;
            y[j + 16] = (q >>> 4) * d + m;
        }
    }

    /** {d, fifth bits (u32), nibbles[16]}: x = d·(q − 16). */
    static void q5_0(MemorySegment data, long at, float[] y) {
        float d = f16(data, at);
        int high = data.get(I32_LE, at + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(data, at + 6 + j);
            y[j] = ((q & 0x0f | fifthBit(high, j)) - 16) * d;
            y[j + 16] = ((q >>> 4 | fifthBit(high, j + 16)) - 16) * d;
        }
    }

    /** {d, m, fifth bits (u32), nibbles[16]}: x = q·d + m. */
    static void q5_1(MemorySegment data, long at, float[] y) {
        float d = f16(data, at);
        float m = f16(data, at + 2);
        int high = data.get(I32_LE, at + 4);
        for (int j = 0; j < 16; j++) {
            int q = u8(data, at + 8 + j);
            y[j] = (q & 0x0f | fifthBit(high, j)) * d + m;
            y[j + 16] = (q >>> 4 | fifthBit(high, j + 16)) * d + m;
        }
    }

    /** Value i's fifth bit (16 or 0), bit i of the mask. */
    private static int fifthBit(int mask, int i) {
        return (mask >>> i & 1) << 4;
    }
}
