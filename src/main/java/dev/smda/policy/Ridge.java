package dev.smda.policy;

import java.util.ArrayList;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Fits the symbolic policy: closed-form ridge regression of the behaviour on SAE features. λ is
 * chosen from one singular value decomposition of the (standardised, centred) design Zc = U S Vᵀ:
 * at every λ the hat matrix's diagonal is h_ii = 1/n + Σ_k U_ik² s_k² / (s_k² + λ) (the 1/n for the
 * unpenalised intercept), so leave-one-out residuals e_i / (1 − h_ii) are exact and GCV is
 * RSS / n / (1 − tr H / n)², without refitting.
 */
public final class Ridge {

    private Ridge() {}

    public static RidgeFit fit(double[][] x, double[] y, int[] featureIds, List<String> labels, RidgeOptions options) {
        int n = x.length;
        int p = x[0].length;
        if (y.length != n || featureIds.length != p || labels.size() != p) {
            throw new IllegalArgumentException("features, labels and behaviour do not line up");
        }
        check(x, y);
        Standardization st = options.standardize() ? Standardization.of(x) : Standardization.identity(p);
        double[][] z = st.apply(x);
        Spectrum s = Spectrum.of(z, y, options.fitIntercept());
        List<RidgeFit.LambdaScore> path = new ArrayList<>();
        double lambda;
        if (options.lambda() != null) {
            lambda = options.lambda();
        } else {
            lambda = Double.NaN;
            double best = Double.POSITIVE_INFINITY;
            double bestSe = 0;
            for (double l : options.grid()) {
                double score = options.criterion() == RidgeOptions.Criterion.GCV ? s.gcv(l) : s.looMse(l);
                path.add(new RidgeFit.LambdaScore(l, score));
                if (score < best) {
                    best = score;
                    bestSe = s.looStandardError(l);
                    lambda = l;
                }
            }
            if (options.criterion() == RidgeOptions.Criterion.LOO_1SE) {
                for (RidgeFit.LambdaScore ls : path) {
                    if (ls.lambda() > lambda && ls.score() <= best + bestSe) {
                        lambda = ls.lambda();
                    }
                }
            }
        }
        RidgeSystem system = RidgeSystem.of(z, lambda, options.fitIntercept());
        double[] coef = system.coefficients(y);
        double intercept = system.intercept(y, coef);
        double tss = s.totalSumOfSquares();
        double r2 = 1 - s.rss(lambda) / tss;
        double cvR2 = 1 - s.looMse(lambda) * n / tss;
        return new RidgeFit(featureIds.clone(), List.copyOf(labels), st.mean(), st.scale(), lambda, intercept, coef, options.fitIntercept(),
                options.standardize(), options.lambda() != null ? "fixed" : options.criterion().name().toLowerCase(), r2, cvR2, path, n);
    }

    static void check(double[][] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(y[i])) {
                throw new IllegalArgumentException("behaviour of probe " + i + " is not finite (" + y[i] + ")");
            }
            for (double v : x[i]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("a feature of probe " + i + " is not finite (" + v + ")");
                }
            }
        }
    }

    /** The SVD of the centred design and the rotated response, for fast evaluation at any λ. */
    private record Spectrum(double[][] u, double[] s2, double[] uty, double[] yc, boolean intercept) {

        static Spectrum of(double[][] z, double[] y, boolean intercept) {
            int n = z.length;
            int p = z[0].length;
            double[] colMean = new double[p];
            double yMean = 0;
            if (intercept) {
                for (double[] row : z) {
                    for (int j = 0; j < p; j++) {
                        colMean[j] += row[j] / n;
                    }
                }
                yMean = java.util.Arrays.stream(y).average().orElse(0);
            }
            DMatrixRMaj zc = new DMatrixRMaj(n, p);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < p; j++) {
                    zc.unsafe_set(i, j, z[i][j] - colMean[j]);
                }
            }
            SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(n, p, true, false, true);
            if (!svd.decompose(zc)) {
                throw new IllegalStateException("SVD of the design matrix failed");
            }
            DMatrixRMaj uMatrix = svd.getU(null, false);
            double[] sv = svd.getSingularValues();
            int r = svd.numberOfSingularValues();
            double[][] u = new double[n][r];
            double[] s2 = new double[r];
            double[] yc = new double[n];
            for (int i = 0; i < n; i++) {
                yc[i] = y[i] - yMean;
            }
            double[] uty = new double[r];
            for (int k = 0; k < r; k++) {
                s2[k] = sv[k] * sv[k];
                for (int i = 0; i < n; i++) {
                    u[i][k] = uMatrix.unsafe_get(i, k);
                    uty[k] += u[i][k] * yc[i];
                }
            }
            return new Spectrum(u, s2, uty, yc, intercept);
        }

        /** Residuals y − ŷ of the fit at λ, and the hat diagonal. */
        private double[][] residualsAndLeverage(double lambda) {
            int n = yc.length;
            double[] residual = new double[n];
            double[] leverage = new double[n];
            double[] shrink = new double[s2.length];
            for (int k = 0; k < s2.length; k++) {
                shrink[k] = s2[k] / (s2[k] + lambda);
            }
            for (int i = 0; i < n; i++) {
                double fitted = 0;
                double h = intercept ? 1.0 / n : 0;
                for (int k = 0; k < s2.length; k++) {
                    fitted += u[i][k] * shrink[k] * uty[k];
                    h += u[i][k] * u[i][k] * shrink[k];
                }
                residual[i] = yc[i] - fitted;
                leverage[i] = h;
            }
            return new double[][] {residual, leverage};
        }

        double rss(double lambda) {
            double sum = 0;
            for (double e : residualsAndLeverage(lambda)[0]) {
                sum += e * e;
            }
            return sum;
        }

        /** Mean squared leave-one-out error: exact for ridge, e_i / (1 − h_ii). */
        double looMse(double lambda) {
            double[][] rl = residualsAndLeverage(lambda);
            double sum = 0;
            for (int i = 0; i < yc.length; i++) {
                double e = rl[0][i] / (1 - rl[1][i]);
                sum += e * e;
            }
            return sum / yc.length;
        }

        /** The standard error of the mean squared leave-one-out error (of the n squared errors). */
        double looStandardError(double lambda) {
            double[][] rl = residualsAndLeverage(lambda);
            int n = yc.length;
            double[] sq = new double[n];
            double mean = 0;
            for (int i = 0; i < n; i++) {
                double e = rl[0][i] / (1 - rl[1][i]);
                sq[i] = e * e;
                mean += sq[i] / n;
            }
            double var = 0;
            for (double v : sq) {
                var += (v - mean) * (v - mean) / Math.max(1, n - 1);
            }
            return Math.sqrt(var / n);
        }

        double gcv(double lambda) {
            double[][] rl = residualsAndLeverage(lambda);
            double rss = 0;
            double trace = 0;
            for (int i = 0; i < yc.length; i++) {
                rss += rl[0][i] * rl[0][i];
                trace += rl[1][i];
            }
            double n = yc.length;
            return rss / n / Math.pow(1 - trace / n, 2);
        }

        /** Total sum of squares about the mean (R² is relative to predicting the mean, also without an intercept). */
        double totalSumOfSquares() {
            double mean = java.util.Arrays.stream(yc).average().orElse(0);
            double sum = 0;
            for (double v : yc) {
                sum += (v - mean) * (v - mean);
            }
            return sum;
        }
    }
}
