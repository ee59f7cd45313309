package dev.smda.attribution;

import static dev.smda.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.smda.policy.Ridge;
import dev.smda.policy.RidgeFit;
import dev.smda.policy.RidgeOptions;
import dev.smda.tensor.Torch;
import java.util.Collections;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The functionals' gradients folded batch by batch (rows waiting across batches and folds, ∇y rows
 * apart from ∇ŷ rows) equal the same maps applied to all the probes' gradients at once: ΔY part
 * M∇y, ΔX part A⁻¹∇u − M∇ŷ, extra rows E_y∇y + E_ŷ∇ŷ; and in the combined form their sum.
 */
class FunctionalGradientsTest {

    private static final int PROBES = 23;
    private static final int FEATURES = 5;
    private static final int DIMENSION = 7;
    /** Fewer rows than features per batch, so that rows of several batches wait for one fold. */
    private static final int BATCH = 2;

    @Test
    void foldingBatchByBatchEqualsTheMapsAppliedToEveryProbeAtOnce() {
        Random r = new Random(7);
        double[][] x = new double[PROBES][FEATURES];
        double[] y = new double[PROBES];
        for (int i = 0; i < PROBES; i++) {
            for (int k = 0; k < FEATURES; k++) {
                x[i][k] = r.nextGaussian();
            }
            y[i] = r.nextGaussian();
        }
        RidgeFit policy = Ridge.fit(x, y, IntStream.range(0, FEATURES).toArray(), Collections.nCopies(FEATURES, ""),
                new RidgeOptions(true, true, 0.5, RidgeOptions.defaultGrid(), RidgeOptions.Criterion.LOO));
        PolicySensitivity s = PolicySensitivity.of(policy, x, y);
        double[][] gy = gaussian(r, PROBES, DIMENSION);
        double[][] gp = gaussian(r, PROBES, DIMENSION);
        double[][] gu = gaussian(r, FEATURES, DIMENSION);
        double[][] onY = gaussian(r, 2, PROBES);
        double[][] onPrediction = gaussian(r, 2, PROBES);
        double[][] m = s.outputMap();

        double[][] dy = times(m, gy);
        double[][] dx = minus(times(s.inverseGram(), gu), times(m, gp));
        try (NDManager manager = Torch.newManager()) {
            try (FunctionalGradients.Result split = feed(new FunctionalGradients(s, onY, onPrediction), manager, gy, gp, gu)) {
                assertClose(flat(dy), split.dyPart().toDoubleArray(), 1e-10, "dY parts");
                assertClose(flat(dx), split.dxPart().toDoubleArray(), 1e-10, "dX parts");
                assertClose(flat(plus(times(onY, gy), times(onPrediction, gp))), split.extra().toDoubleArray(), 1e-10, "extra rows");
            }
            try (FunctionalGradients.Result combined = feed(new FunctionalGradients(s, onY, null, true), manager, gy, gp, gu)) {
                assertNull(combined.dyPart());
                assertClose(flat(plus(dx, dy)), combined.dxPart().toDoubleArray(), 1e-10, "whole change");
                assertClose(flat(times(onY, gy)), combined.extra().toDoubleArray(), 1e-10, "extra rows on dy alone");
            }
        }
    }

    /** Hands the gradients over as {@link MeasurementGradients#compute} does: per batch ∇y then ∇ŷ, then each feature's ∇u in two parts. */
    private static FunctionalGradients.Result feed(FunctionalGradients f, NDManager manager, double[][] gy, double[][] gp, double[][] gu) {
        try (NDArray y = manager.create(gy); NDArray p = manager.create(gp); NDArray u = manager.create(gu)) {
            for (int start = 0; start < PROBES; start += BATCH) {
                NDIndex rows = new NDIndex(start + ":" + Math.min(PROBES, start + BATCH));
                try (NDArray b = y.get(rows)) {
                    f.behaviour(start, b);
                }
                try (NDArray b = p.get(rows)) {
                    f.prediction(start, b);
                }
            }
            for (int k = 0; k < FEATURES; k++) {
                try (NDArray row = u.get(k); NDArray half = row.div(2)) {
                    f.residual(k, half);
                    f.residual(k, half);
                }
            }
            return f.finish();
        }
    }

    private static double[] flat(double[][] a) {
        return java.util.Arrays.stream(a).flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    private static double[][] gaussian(Random r, int rows, int columns) {
        double[][] a = new double[rows][columns];
        for (double[] row : a) {
            for (int j = 0; j < columns; j++) {
                row[j] = r.nextGaussian();
            }
        }
        return a;
    }

    private static double[][] times(double[][] a, double[][] b) {
        double[][] c = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < b.length; k++) {
                for (int j = 0; j < b[0].length; j++) {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return c;
    }

    private static double[][] plus(double[][] a, double[][] b) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
            for (int j = 0; j < c[i].length; j++) {
                c[i][j] += b[i][j];
            }
        }
        return c;
    }

    private static double[][] minus(double[][] a, double[][] b) {
        double[][] negated = new double[b.length][];
        for (int i = 0; i < b.length; i++) {
            negated[i] = java.util.Arrays.stream(b[i]).map(v -> -v).toArray();
        }
        return plus(a, negated);
    }
}
