package dev.smda.attribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.smda.tensor.Scoped;
import dev.smda.tensor.Tensors;

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
    private NDArray output;
    private NDArray collinearity;
    private NDArray extra;
    private final NDList residuals = new NDList();

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

    /** Columns {@code [start, start + rows)} of a rows x probes map, as an array like {@code g}. */
    static NDArray columns(double[][] map, int start, NDArray g) {
        int rows = (int) g.getShape().get(0);
        double[] values = new double[map.length * rows];
        for (int j = 0; j < map.length; j++) {
            System.arraycopy(map[j], start, values, j * rows, rows);
        }
        return Tensors.owned(g.getManager(), values, new Shape(map.length, rows)).toType(g.getDataType(), false);
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
        Scoped.run(() -> {
            NDArray term = columns(sensitivity.outputMap(), start, g).matMul(g);
            if (combined) {
                collinearity = add(collinearity, term);
            } else {
                output = add(output, term);
            }
            extra = add(extra, columns(extraOnY, start, g).matMul(g));
        });
    }

    @Override
    public void prediction(int start, NDArray g) {
        Scoped.run(() -> {
            collinearity = add(collinearity, columns(sensitivity.outputMap(), start, g).matMul(g).neg());
            extra = add(extra, columns(extraOnPrediction, start, g).matMul(g));
        });
    }

    @Override
    public void residual(int feature, NDArray g) {
        NDArray row = g.reshape(1, -1).duplicate();
        NDScope.unregister(row);
        residuals.add(row);
    }

    /** Completes the ΔX parts with A⁻¹U and hands the gradients over (the caller closes them). */
    public Result finish() {
        NDArray dx = Scoped.compute(() -> {
            NDArray u = NDArrays.concat(residuals);
            residuals.close();
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
