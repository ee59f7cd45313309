package dev.smda.model;

import dev.smda.tensor.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** Rotary position tables, computed for just the positions a forward pass needs. */
final class Rope {

    private Rope() {}

    /** Inverse frequencies {@code theta^(-2i/headDim)}, rescaled as the config's rope_scaling says. */
    static double[] inverseFrequencies(LlamaConfig c) {
        int half = c.headDim() / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            inv[i] = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / c.headDim());
        }
        return c.ropeScaling().apply(inv);
    }

    /**
     * cos and sin of {@code position * frequency} for each row's positions, each
     * {@code [rows, length, 1, headDim]} (the half repeated; one row when all rows share positions).
     * In single precision the angle is formed in float arithmetic, as Hugging Face does, so positions
     * far from zero round the same way.
     */
    static NDArray[] tables(NDManager m, LlamaConfig c, DataType dtype, int[][] positions) {
        boolean shared = true;
        for (int[] row : positions) {
            shared &= java.util.Arrays.equals(row, positions[0]);
        }
        int rows = shared ? 1 : positions.length;
        int length = positions[0].length;
        double[] inv = inverseFrequencies(c);
        int half = inv.length;
        int hd = c.headDim();
        boolean single = dtype != DataType.FLOAT64;
        // Rows share most positions: each distinct one's half-table is computed once.
        java.util.Map<Integer, double[][]> byPosition = new java.util.HashMap<>();
        double[] cos = new double[rows * length * hd];
        double[] sin = new double[rows * length * hd];
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < length; t++) {
                double[][] table = byPosition.computeIfAbsent(positions[r][t], pos -> {
                    double[][] cs = new double[2][half];
                    for (int i = 0; i < half; i++) {
                        double angle = single ? (double) ((float) pos * (float) inv[i]) : pos * inv[i];
                        cs[0][i] = Math.cos(angle);
                        cs[1][i] = Math.sin(angle);
                    }
                    return cs;
                });
                int at = (r * length + t) * hd;
                System.arraycopy(table[0], 0, cos, at, half);
                System.arraycopy(table[0], 0, cos, at + half, half);
                System.arraycopy(table[1], 0, sin, at, half);
                System.arraycopy(table[1], 0, sin, at + half, half);
            }
        }
        Shape shape = new Shape(rows, length, 1, hd);
        return new NDArray[] {Tensors.owned(m, cos, shape).toType(dtype, false), Tensors.owned(m, sin, shape).toType(dtype, false)};
    }
}
