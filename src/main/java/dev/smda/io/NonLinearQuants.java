package dev.smda.io;

import static dev.smda.io.BlockDecoder.f16;
import static dev.smda.io.BlockDecoder.u8;

import java.lang.foreign.MemorySegment;

/**
 * llama.cpp's 4-bit non-linear types: each nibble indexes a fixed table of 16 levels, denser near
 * zero where weights cluster. IQ4_NL has blocks of 32 with an f16 scale; IQ4_XS super-blocks of 256
 * with a 6-bit scale per 32 values.
 */
final class NonLinearQuants {

    /** ggml's kvalues_iq4nl. */
    private static final int[] LEVELS = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private NonLinearQuants() {
    }

    /** {d, nibbles[16]}: x = d·level(q). */
    static void iq4_nl(MemorySegment data, long at, float[] y) {
        levels(data, at + 2, f16(data, at), y, 0);
    }

    /** {d, scales_h (u16, 2 bits each), scales_l[4] (nibbles), qs[128]}: x = d·(scale − 32)·level(q). */
    static void iq4_xs(MemorySegment data, long at, float[] y) {
        float d = f16(data, at);
        int scalesHigh = data.get(BlockDecoder.I16_LE, at + 2) & 0xffff;
        for (int block = 0; block < 8; block++) {
            int scale = (u8(data, at + 4 + block / 2) >>> 4 * (block % 2) & 0x0f) | (scalesHigh >>> 2 * block & 3) << 4;
            levels(data, at + 8 + 16 * block, d * (scale - 32), y, 32 * block);
        }
    }

    /** 32 values from 16 bytes of nibbles (low nibbles first), scaled by dl. */
    private static void levels(MemorySegment data, long qs, float dl, float[] y, int from) {
        for (int j = 0; j < 16; j++) {
            int q = u8(data, qs + j);
            y[from + j] = dl * LEVELS[q & 0x0f];
            y[from + j + 16] = dl * LEVELS[q >>> 4];
        }
    }
}
