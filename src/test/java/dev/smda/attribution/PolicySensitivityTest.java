package dev.smda.attribution;

import static dev.smda.testing.NumericAssertions.assertClose;

import dev.smda.policy.Ridge;
import dev.smda.policy.RidgeFit;
import dev.smda.policy.RidgeOptions;
import java.util.Collections;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The linear maps the gradient estimator uses give the first-order terms the exact decomposition
 * computes from (ΔX, Δy): ΔY part = output, ΔX part = residual + collinearity; with and without an
 * intercept and standardisation, in the primal (features < probes) and dual (more features) forms.
 */
class PolicySensitivityTest {

    @Test
    void sensitivityMapsMatchTheDecompositionsFirstOrderTerms() {
        for (int p : new int[] {6, 30}) {
            for (boolean intercept : new boolean[] {true, false}) {
                Random r = new Random(p + (intercept ? 1 : 0));
                int n = 20;
                double[][] x = new double[n][p];
                double[] y = new double[n];
                double[][] dx = new double[n][p];
                double[] dy = new double[n];
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < p; j++) {
                        x[i][j] = r.nextDouble() < 0.3 ? 0 : r.nextGaussian() + 1;
                        dx[i][j] = 1e-3 * r.nextGaussian();
                    }
                    y[i] = r.nextGaussian();
                    dy[i] = 1e-3 * r.nextGaussian();
                }
                int[] ids = java.util.stream.IntStream.range(0, p).toArray();
                RidgeFit policy = Ridge.fit(x, y, ids, Collections.nCopies(p, ""), new RidgeOptions(intercept, intercept, 0.7, RidgeOptions.defaultGrid(),
                        RidgeOptions.Criterion.LOO));
                Decomposition d = new PolicyDecomposition(policy, x, y).decompose(dx, dy);
                PolicySensitivity s = PolicySensitivity.of(policy, x, y);
                double[][] functionals = s.featureFunctionals(dx);
                double[] expectedDx = new double[p];
                for (int j = 0; j < p; j++) {
                    expectedDx[j] = d.residual()[j] + d.collinearity()[j];
                }
                String what = "p " + p + (intercept ? " with" : " without") + " intercept";
                assertClose(d.output(), s.outputPart(dy), 1e-12, what + ": dY part");
                assertClose(expectedDx, s.featurePart(functionals[0], functionals[1]), 1e-12, what + ": dX part");
            }
        }
    }
}
