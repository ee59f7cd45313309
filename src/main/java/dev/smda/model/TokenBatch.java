package dev.smda.model;

import dev.smda.tensor.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Token sequences of different lengths, right-padded into one {@code [batch, length]} block. Padding
 * sits after each sequence, so positions stay 0..n-1 and padded keys are masked out.
 *
 * <p>A sequence may also be a tree: each token names its parent (an earlier index, or -1 for the
 * first token). A token attends to itself and its ancestors only, at position = its depth. This
 * packs a prompt and many continuations of it into one row, each continuation seeing only the
 * prompt and its own earlier tokens, exactly as if each were run on its own.
 */
public final class TokenBatch {

    private final int[][] sequences;
    private final int[][] parents;
    private final int length;

    private TokenBatch(int[][] sequences, int[][] parents) {
        if (sequences.length == 0) {
            throw new IllegalArgumentException("empty batch");
        }
        int max = 0;
        for (int b = 0; b < sequences.length; b++) {
            if (sequences[b].length == 0) {
                throw new IllegalArgumentException("empty token sequence in batch");
            }
            if (parents != null) {
                if (parents[b].length != sequences[b].length) {
                    throw new IllegalArgumentException("row " + b + ": one parent per token");
                }
                for (int t = 0; t < parents[b].length; t++) {
                    if (parents[b][t] >= t || parents[b][t] < -1 || (t > 0 && parents[b][t] < 0)) {
                        throw new IllegalArgumentException("row " + b + ": token " + t + " needs an earlier parent");
                    }
                }
            }
            max = Math.max(max, sequences[b].length);
        }
        this.sequences = sequences;
        this.parents = parents;
        this.length = max;
    }

    public TokenBatch(List<int[]> sequences) {
        this(sequences.toArray(int[][]::new), null);
    }

    public static TokenBatch of(int[]... sequences) {
        return new TokenBatch(sequences.clone(), null);
    }

    /** Rows that are trees: {@code parents.get(b)[t]} is the index of token t's parent in row b. */
    public static TokenBatch trees(List<int[]> sequences, List<int[]> parents) {
        return new TokenBatch(sequences.toArray(int[][]::new), parents.toArray(int[][]::new));
    }

    public boolean isTree() {
        return parents != null;
    }

    public int size() {
        return sequences.length;
    }

    public int length() {
        return length;
    }

    public int length(int row) {
        return sequences[row].length;
    }

    public int[] sequence(int row) {
        return sequences[row];
    }

    /** The rotary position of a token: its index, or its depth in a tree. */
    int[][] positions(int start) {
        int[][] pos = new int[sequences.length][length];
        for (int b = 0; b < sequences.length; b++) {
            for (int t = 0; t < sequences[b].length; t++) {
                pos[b][t] = start + (parents == null ? t : (parents[b][t] < 0 ? 0 : pos[b][parents[b][t]] - start + 1));
            }
        }
        return pos;
    }

    /**
     * Which keys each query token of a row may attend to, {@code [length][length]}: itself and the
     * tokens before it, or its ancestors in a tree; a padding query sees the row's real tokens before it.
     */
    boolean[][] visibility(int row) {
        int n = sequences[row].length;
        boolean[][] sees = new boolean[length][length];
        for (int i = 0; i < length; i++) {
            if (i < n && parents != null && parents[row][i] >= 0) {
                System.arraycopy(sees[parents[row][i]], 0, sees[i], 0, i);
            } else {
                java.util.Arrays.fill(sees[i], 0, Math.min(i, n), parents == null || i >= n);
            }
            sees[i][i] = i < n;
        }
        return sees;
    }

    /** Token ids as an int64 {@code [batch, length]} array (padding id 0). */
    public NDArray ids(NDManager manager) {
        long[] flat = new long[sequences.length * length];
        for (int b = 0; b < sequences.length; b++) {
            for (int t = 0; t < sequences[b].length; t++) {
                flat[b * length + t] = sequences[b][t];
            }
        }
        return Tensors.owned(manager, flat, new Shape(sequences.length, length));
    }
}
