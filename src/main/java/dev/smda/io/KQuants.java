package dev.smda.io;

import static dev.smda.io.BlockDecoder.f16;
import static dev.smda.io.BlockDecoder.i8;
import static dev.smda.io.BlockDecoder.u8;

import java.lang.foreign.MemorySegment;

/**
 * llama.cpp's k-quants (the types of Q2_K ... Q6_K and the _S/_M/_L mixes most GGUF models ship in):
 * super-blocks of 256 values made of 16 or 8 sub-blocks, each with its own quantised scale (and, for
 * the "k-quants with a minimum", a quantised minimum), both multiplied by the super-block's f16 d and
 * dmin. Values are laid out in 128-value halves whose bytes hold 2-, 4- or 6-bit pieces at rising
 * shifts. The arithmetic follows ggml's dequantisers operation by operation, so the floats match.
 */
final class KQuants {

    private KQuants() {
    }

    /** {scales[16] (4-bit scale | 4-bit min), qs[64] (2-bit), d, dmin}: x = d·scale·q − dmin·min. */
    static void q2_K(MemorySegment data, long at, float[] y) {
        float d = f16(data, at + 80);
        float min = f16(data, at + 82);
        int i = 0;
        int sub = 0;
        for (int half = 0; half < 2; half++) {
            long qs = at + 16 + 32 * half;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int part = 0; part < 2; part++) {
                    int scaleMin = u8(data, at + sub++);
                    float dl = d * (scaleMin & 0x0f);
                    float ml = min * (scaleMin >>> 4);
                    for (int l = 0; l < 16; l++) {
                        y[i++] = dl * ((u8(data, qs + 16 * part + l) >>> shift) & 3) - ml;
                    }
                }
            }
        }
    }

    /**
     * {hmask[32] (third bits), qs[64] (low 2 bits), scales[12] (16 packed 6-bit scales), d}:
     * x = d·(scale − 32)·(q − 4 unless the third bit is set).
     */
    static void q3_K(MemorySegment data, long at, float[] y) {
        float d = f16(data, at + 108);
        long scales = at + 96;
        int i = 0;
        int sub = 0;
        int mask = 1;
        for (int half = 0; half < 2; half++) {
            long qs = at + 32 + 32 * half;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int part = 0; part < 2; part++) {
                    float dl = d * (q3Scale(data, scales, sub++) - 32);
                    for (int l = 16 * part; l < 16 * part + 16; l++) {
                        int low = (u8(data, qs + l) >>> shift) & 3;
                        y[i++] = dl * (low - ((u8(data, at + l) & mask) != 0 ? 0 : 4));
                    }
                }
                mask <<= 1;
            }
        }
    }

    /** Q3_K's scale j: low 4 bits from bytes 0-7 (low then high nibbles), top 2 bits from bytes 8-11. */
    private static int q3Scale(MemorySegment data, long scales, int j) {
        int low = j < 8 ? u8(data, scales + j) & 0x0f : u8(data, scales + j - 8) >>> 4;
        int high = (u8(data, scales + 8 + j % 4) >>> 2 * (j / 4)) & 3;
        return low | high << 4;
    }

    /** {d, dmin, scales[12] (8 packed 6-bit scale/min pairs), qs[128] (4-bit)}: x = d·scale·q − dmin·min. */
    static void q4_K(MemorySegment data, long at, float[] y) {
        float d = f16(data, at);
        float min = f16(data, at + 2);
        long scales = at + 4;
        int i = 0;
        for (int chunk = 0; chunk < 4; chunk++) {
            long qs = at + 16 + 32 * chunk;
            float d1 = d * scale(data, scales, 2 * chunk);
            float m1 = min * minimum(data, scales, 2 * chunk);
            float d2 = d * scale(data, scales, 2 * chunk + 1);
            float m2 = min * minimum(data, scales, 2 * chunk + 1);
            for (int l = 0; l < 32; l++) {
                y[i++] = d1 * (u8(data, qs + l) & 0x0f) - m1;
            }
            for (int l = 0; l < 32; l++) {
                y[i++] = d2 * (u8(data, qs + l) >>> 4) - m2;
            }
        }
    }

    /** {d, dmin, scales[12], qh[32] (fifth bits), qs[128] (low 4 bits)}: x = d·scale·q − dmin·min. */
    static void q5_K(MemorySegment data, long at, float[] y) {
        float d = f16(data, at);
        float min = f16(data, at + 2);
        long scales = at + 4;
        long qh = at + 16;
        int i = 0;
        for (int chunk = 0; chunk < 4; chunk++) {
            long qs = at + 48 + 32 * chunk;
            int lowBit = 1 << 2 * chunk;
            int highBit = 2 << 2 * chunk;
            float d1 = d * scale(data, scales, 2 * chunk);
            float m1 = min * minimum(data, scales, 2 * chunk);
            float d2 = d * scale(data, scales, 2 * chunk + 1);
            float m2 = min * minimum(data, scales, 2 * chunk + 1);
            for (int l = 0; l < 32; l++) {
                y[i++] = d1 * ((u8(data, qs + l) & 0x0f) + ((u8(data, qh + l) & lowBit) != 0 ? 16 : 0)) - m1;
            }
            for (int l = 0; l < 32; l++) {
                y[i++] = d2 * ((u8(data, qs + l) >>> 4) + ((u8(data, qh + l) & highBit) != 0 ? 16 : 0)) - m2;
            }
        }
    }

    /** {ql[128] (low 4 bits), qh[64] (top 2 bits), scales[16] (signed), d}: x = d·scale·(q − 32). */
    static void q6_K(MemorySegment data, long at, float[] y) {
        float d = f16(data, at + 208);
        for (int half = 0; half < 2; half++) {
            long ql = at + 64 * half;
            long qh = at + 128 + 32 * half;
            long scales = at + 192 + 8 * half;
            int base = 128 * half;
            for (int l = 0; l < 32; l++) {
                int sub = l / 16;
                int high = u8(data, qh + l);
                int q1 = (u8(data, ql + l) & 0x0f | (high & 3) << 4) - 32;
                int q2 = (u8(data, ql + l + 32) & 0x0f | (high >>> 2 & 3) << 4) - 32;
                int q3 = (u8(data, ql + l) >>> 4 | (high >>> 4 & 3) << 4) - 32;
                int q4 = (u8(data, ql + l + 32) >>> 4 | (high >>> 6 & 3) << 4) - 32;
                y[base + l] = d * i8(data, scales + sub) * q1;
                y[base + l + 32] = d * i8(data, scales + sub + 2) * q2;
                y[base + l + 64] = d * i8(data, scales + sub + 4) * q3;
                y[base + l + 96] = d * i8(data, scales + sub + 6) * q4;
            }
        }
    }

    /** Q4_K's and Q5_K's 6-bit scale j of 8: bytes 0-3 for j < 4, else a nibble of bytes 8-11 and two bits of bytes 0-3. */
    private static int scale(MemorySegment data, long scales, int j) {
        return j < 4 ? u8(data, scales + j) & 63 : u8(data, scales + j + 4) & 0x0f | (u8(data, scales + j - 4) >>> 6) << 4;
    }

    /** Q4_K's and Q5_K's 6-bit minimum j of 8: bytes 4-7 for j < 4, else a nibble of bytes 8-11 and two bits of bytes 4-7. */
    private static int minimum(MemorySegment data, long scales, int j) {
        return j < 4 ? u8(data, scales + j + 4) & 63 : u8(data, scales + j + 4) >>> 4 | (u8(data, scales + j) >>> 6) << 4;
    }
}
