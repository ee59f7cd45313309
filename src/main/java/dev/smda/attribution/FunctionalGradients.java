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
     * Gradient rows waiting to be folded in, with their weights: folding many rows in one product
     * writes each [p, D] accumulator once per flush instead of once per batch of probes, which is
     * what the fold costs (memory traffic, not arithmetic).
     */
    private final NDList pendingRows = new NDList();
    private final List<Pending> pending = new ArrayList<>();
    private int pendingCount;

    /** One batch of rows: its first probe, and whether they are ∇y (else ∇ŷ). */
    private record Pending(int start, int rows, boolean behaviour) {}

    /**
     * @param extraOnY rows x probes: each extra row's weight on every probe's ∇y
     * @param extraOnPrediction rows x probes: its weight on every probe's ∇ŷ (same number of rows)
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
        hold(new Pending(start, (int) g.getShape().get(0), true), g);
    }

    @Override
    public void prediction(int start, NDArray g) {
        hold(new Pending(start, (int) g.getShape().get(0), false), g);
    }

    /** Keeps a copy of the rows (the caller closes {@code g}); folds when as many rows wait as there are features. */
    private void hold(Pending batch, NDArray g) {
        NDArray kept = g.duplicate();
        NDScope.unregister(kept);
        pendingRows.add(kept);
        pending.add(batch);
        pendingCount += batch.rows();
        if (pendingCount >= sensitivity.features()) {
            fold();
        }
    }

    /** Adds every waiting row, weighted, into the accumulators: one product each. */
    private void fold() {
        if (pending.isEmpty()) {
            return;
        }
        Scoped.run(() -> {
            NDArray rows = NDArrays.concat(pendingRows);
            double[][] m = sensitivity.outputMap();
            if (combined) {
                collinearity = add(collinearity, weights(m, minusOutputMap, rows).matMul(rows));
            } else {
                output = add(output, weights(m, null, rows).matMul(rows));
                collinearity = add(collinearity, weights(null, minusOutputMap, rows).matMul(rows));
            }
            extra = add(extra, weights(extraOnY, extraOnPrediction, rows).matMul(rows));
        });
        pendingRows.close();
        pending.clear();
        pendingCount = 0;
    }

    /**
     * {@code [map rows, waiting rows]}: each waiting row's weight, taken from {@code onY} for ∇y rows
     * and from {@code onPrediction} for ∇ŷ rows (null: those rows weigh nothing).
     */
    private NDArray weights(double[][] onY, double[][] onPrediction, NDArray like) {
        int outRows = (onY != null ? onY : onPrediction).length;
        double[] values = new double[outRows * pendingCount];
        int column = 0;
        for (Pending batch : pending) {
            double[][] map = batch.behaviour() ? onY : onPrediction;
            if (map != null) {
                for (int j = 0; j < outRows; j++) {
                    System.arraycopy(map[j], batch.start(), values, j * pendingCount + column, batch.rows());
                }
            }
            column += batch.rows();
        }
        return Tensors.owned(like.getManager(), values, new Shape(outRows, pendingCount)).toType(like.getDataType(), false);
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
