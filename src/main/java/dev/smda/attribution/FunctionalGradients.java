package dev.smda.attribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.smda.tensor.Scoped;
import dev.smda.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;

/**
 * Folds the measurement's gradients ({@link MeasurementGradients}) into the gradients of fixed
 * linear functionals, as they arrive: each coefficient's ΔX part (A⁻¹∇u − M∇ŷ) and ΔY part (M∇y)
 * ({@link PolicySensitivity}), and extra rows, each a weighting of the probes' ∇y and ∇ŷ given by
 * the caller. Memory: three matrices of features x gradient dimension, and the extra rows.
 */
public final class FunctionalGradients implements MeasurementGradients.Listener {

    private final PolicySensitivity sensitivity;
    private final boolean combined;
    private final double[][] extraOnY;
    private final double[][] extraOnPrediction;
    /** −M: the ∇ŷ rows' weight in the collinearity term. */
    private final double[][] minusOutputMap;
    private NDArray output;
    private NDArray collinearity;
    private NDArray extra;
    /** ∇u_k as rows {@code [1, D]}, summed over the batches of probes as they come. */
    private final NDArray[] residuals;

    /**
     * Gradient rows waiting to be folded in, ∇y rows apart from ∇ŷ rows (each accumulator takes
     * only one kind, so neither is multiplied by the other's zero weights): folding many rows in one
     * product writes each [p, D] accumulator once per flush instead of once per batch of probes,
     * which is what the fold costs (memory traffic, not arithmetic).
     */
    private final Waiting behaviourRows = new Waiting();
    private final Waiting predictionRows = new Waiting();

    /** Rows of one kind waiting to be folded in, with the probes they belong to. */
    private static final class Waiting {
        private final NDList rows = new NDList();
        private final List<int[]> batches = new ArrayList<>();
        private int count;

        void add(int start, NDArray g) {
            NDArray kept = g.duplicate();
            NDScope.unregister(kept);
            rows.add(kept);
            int n = (int) g.getShape().get(0);
            batches.add(new int[] {start, n});
            count += n;
        }

        /**
         * {@code map}'s weights on the waiting rows ({@code [map rows, count]}, each row's columns
         * taken at its probes) times the rows; null when there is no map or nothing waits.
         */
        NDArray weighted(double[][] map) {
            if (map == null || count == 0) {
                return null;
            }
            double[] values = new double[map.length * count];
            int column = 0;
            for (int[] batch : batches) {
                for (int j = 0; j < map.length; j++) {
                    System.arraycopy(map[j], batch[0], values, j * count + column, batch[1]);
                }
                column += batch[1];
            }
            NDArray all = joined();
            return Tensors.owned(all.getManager(), values, new Shape(map.length, count)).toType(all.getDataType(), false).matMul(all);
        }

        /** The waiting rows as one array, joined once per fold (joining costs as much as a product). */
        private NDArray joined() {
            if (rows.size() > 1) {
                NDArray all = NDArrays.concat(rows);
                NDScope.unregister(all);
                rows.close();
                rows.clear();
                rows.add(all);
            }
            return rows.getFirst();
        }

        void clear() {
            rows.close();
            rows.clear();
            batches.clear();
            count = 0;
        }
    }

    /**
     * @param extraOnY rows x probes: each extra row's weight on every probe's ∇y
     * @param extraOnPrediction rows x probes: its weight on every probe's ∇ŷ (same number of rows; null: none)
     */
    public FunctionalGradients(PolicySensitivity sensitivity, double[][] extraOnY, double[][] extraOnPrediction) {
        this(sensitivity, extraOnY, extraOnPrediction, false);
    }

    /**
     * @param combined keep only each coefficient's whole change (ΔX + ΔY parts in one matrix, which
     *     {@link Result#dxPart} then holds; {@link Result#dyPart} is null): a third less memory
     */
    public FunctionalGradients(PolicySensitivity sensitivity, double[][] extraOnY, double[][] extraOnPrediction, boolean combined) {
        this.combined = combined;
        this.sensitivity = sensitivity;
        this.extraOnY = extraOnY;
        this.extraOnPrediction = extraOnPrediction;
        this.residuals = new NDArray[sensitivity.features()];
        this.minusOutputMap = java.util.Arrays.stream(sensitivity.outputMap()).map(row -> java.util.Arrays.stream(row).map(v -> -v).toArray())
                .toArray(double[][]::new);
    }

    /** The gradients, once {@link MeasurementGradients#compute} has run: ΔX parts {@code [p, D]}, ΔY parts {@code [p, D]}, extra rows. */
    public record Result(NDArray dxPart, NDArray dyPart, NDArray extra) implements AutoCloseable {
        @Override
        public void close() {
            dxPart.close();
            if (dyPart != null) {
                dyPart.close();
            }
            extra.close();
        }
    }

    private static NDArray add(NDArray into, NDArray term) {
        if (term == null) {
            return into;
        }
        if (into == null) {
            NDScope.unregister(term);
            return term;
        }
        into.addi(term);
        term.close();
        return into;
    }

    @Override
    public void behaviour(int start, NDArray g) {
        behaviourRows.add(start, g);
        foldWhenFull();
    }

    @Override
    public void prediction(int start, NDArray g) {
        predictionRows.add(start, g);
        foldWhenFull();
    }

    /** Folds when as many rows wait as there are features (the caller closes what it handed over; copies wait). */
    private void foldWhenFull() {
        if (behaviourRows.count + predictionRows.count >= sensitivity.features()) {
            fold();
        }
    }

    /** Adds every waiting row, weighted, into the accumulators: one product per kind of row each. */
    private void fold() {
        Scoped.run(() -> {
            double[][] m = sensitivity.outputMap();
            if (combined) {
                collinearity = add(collinearity, sum(behaviourRows.weighted(m), predictionRows.weighted(minusOutputMap)));
            } else {
                output = add(output, behaviourRows.weighted(m));
                collinearity = add(collinearity, predictionRows.weighted(minusOutputMap));
            }
            extra = add(extra, sum(behaviourRows.weighted(extraOnY), predictionRows.weighted(extraOnPrediction)));
        });
        behaviourRows.clear();
        predictionRows.clear();
    }

    private static NDArray sum(NDArray a, NDArray b) {
        return a == null ? b : b == null ? a : a.addi(b);
    }

    @Override
    public void residual(int feature, NDArray g) {
        if (residuals[feature] == null) {
            residuals[feature] = g.reshape(1, -1).duplicate();
            NDScope.unregister(residuals[feature]);
        } else {
            residuals[feature].addi(g.reshape(1, -1));
        }
    }

    /** Completes the ΔX parts with A⁻¹U and hands the gradients over (the caller closes them). */
    public Result finish() {
        fold();
        NDArray dx = Scoped.compute(() -> {
            for (int k = 0; k < residuals.length; k++) {
                if (residuals[k] == null) { // gated off on every probe: ∇u_k is zero
                    residuals[k] = collinearity.get(k + ":" + (k + 1)).zerosLike();
                    NDScope.unregister(residuals[k]);
                }
            }
            NDList rows = new NDList(residuals);
            NDArray u = NDArrays.concat(rows);
            rows.close();
            double[][] aInverse = sensitivity.inverseGram();
            int p = aInverse.length;
            double[] flat = new double[p * p];
            for (int j = 0; j < p; j++) {
                System.arraycopy(aInverse[j], 0, flat, j * p, p);
            }
            NDArray a = Tensors.owned(u.getManager(), flat, new Shape(p, p)).toType(u.getDataType(), false);
            return collinearity.addi(a.matMul(u));
        });
        NDScope.unregister(dx);
        return new Result(dx, output, extra);
    }
}
