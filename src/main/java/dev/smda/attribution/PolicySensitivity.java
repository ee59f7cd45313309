package dev.smda.attribution;

import dev.smda.policy.RidgeFit;
import dev.smda.policy.RidgeSystem;

/**
 * The first-order change of the symbolic policy as linear maps of three measurable changes, at the
 * policy's λ with its base standardisation held fixed (A = ZcᵀZc + λI, M = A⁻¹Zcᵀ, r = yc − Zcβ):
 * <ul>
 *   <li>ΔY pathway: {@code M Δy}, from the probes' behaviour change Δy;</li>
 *   <li>ΔX pathway: {@code A⁻¹ Δu − M Δŷ}, from Δu_k = Σ_i r_i ΔZ_ik (how the features' change
 *       lines up with what the policy leaves unexplained) and Δŷ_i = Σ_k β_k ΔZ_ik (the policy's
 *       prediction moved by the features alone).</li>
 * </ul>
 * (The centring an intercept asks for drops out: r and Zc's columns have mean zero.) Each of y, ŷ
 * and u is a fixed weighting of the measurement, so its gradient with respect to the weights is
 * one backward pass, and a pair's parts are inner products with its update.
 *
 * <p>The same maps give a pair's first-order effect on each category's mean prediction through the
 * policy: (mean_c z − mean z)·Δβ + (mean_c Δŷ − mean Δŷ) + mean Δy with an intercept, mean_c z·Δβ +
 * mean_c Δŷ without.
 */
public final class PolicySensitivity {

    private final RidgeFit policy;
    private final double[][] m;
    private final double[][] aInverse;
    private final double[] residuals;
    private final double[][] z;

    private PolicySensitivity(RidgeFit policy, double[][] m, double[][] aInverse, double[] residuals, double[][] z) {
        this.policy = policy;
        this.m = m;
        this.aInverse = aInverse;
        this.residuals = residuals;
        this.z = z;
    }

    /** @param x the base probes' raw features (probes x policy features); @param y their behaviour */
    public static PolicySensitivity of(RidgeFit policy, double[][] x, double[] y) {
        double[][] z = policy.standardization().apply(x);
        RidgeSystem system = RidgeSystem.of(z, policy.lambda(), policy.fitIntercept());
        int n = z.length;
        int p = policy.features();
        double[] beta = system.coefficients(y);
        double[][] m = new double[p][n];
        double[] unit = new double[n];
        for (int i = 0; i < n; i++) {
            unit[i] = 1;
            double[] column = system.solveA(system.zcTransposeTimes(system.centred(unit)));
            unit[i] = 0;
            for (int j = 0; j < p; j++) {
                m[j][i] = column[j];
            }
        }
        double[][] aInverse = new double[p][p];
        double[] e = new double[p];
        for (int k = 0; k < p; k++) {
            e[k] = 1;
            double[] column = system.solveA(e);
            e[k] = 0;
            for (int j = 0; j < p; j++) {
                aInverse[j][k] = column[j];
            }
        }
        double[] fitted = system.zcTimes(beta);
        double[] yc = system.centred(y);
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = yc[i] - fitted[i];
        }
        return new PolicySensitivity(policy, m, aInverse, r, z);
    }

    public int features() {
        return policy.features();
    }

    public int probes() {
        return residuals.length;
    }

    /** M = A⁻¹Zcᵀ, features x probes: the ΔY pathway is M Δy, and M Δŷ enters the ΔX pathway. */
    public double[][] outputMap() {
        return m;
    }

    /** A⁻¹, features x features: the ΔX pathway's A⁻¹ Δu. */
    public double[][] inverseGram() {
        return aInverse;
    }

    /** The weight of each probe's raw feature k in u_k: r_i / scale_k (so Σ_i w_i X_ik = u_k). */
    public double[] residualWeights(int k) {
        double[] w = new double[residuals.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = residuals[i] / policy.scale()[k];
        }
        return w;
    }

    /** A random weighting of raw features, standard normal per probe and standardised feature: N(0, 1) / scale_k. */
    public double[][] randomWeights(java.util.Random random) {
        double[][] w = new double[residuals.length][policy.features()];
        for (double[] row : w) {
            for (int k = 0; k < row.length; k++) {
                row[k] = random.nextGaussian() / policy.scale()[k];
            }
        }
        return w;
    }

    /** The weighting of raw features that makes every probe's ŷ_i: β_k / scale_k. */
    public double[][] predictionWeights() {
        double[][] w = new double[residuals.length][policy.features()];
        for (int i = 0; i < w.length; i++) {
            for (int k = 0; k < w[i].length; k++) {
                w[i][k] = policy.coef()[k] / policy.scale()[k];
            }
        }
        return w;
    }

    /** The first-order ΔY part per feature of a behaviour change: M Δy. */
    public double[] outputPart(double[] dy) {
        return times(m, dy);
    }

    /** The first-order ΔX part per feature, from Δu (per feature) and Δŷ (per probe): A⁻¹Δu − MΔŷ. */
    public double[] featurePart(double[] du, double[] dyHat) {
        double[] a = times(aInverse, du);
        double[] b = times(m, dyHat);
        for (int j = 0; j < a.length; j++) {
            a[j] -= b[j];
        }
        return a;
    }

    /** Δu and Δŷ of a raw feature change (probes x features). */
    public double[][] featureFunctionals(double[][] dx) {
        int p = policy.features();
        double[] du = new double[p];
        double[] dyHat = new double[dx.length];
        for (int i = 0; i < dx.length; i++) {
            for (int k = 0; k < p; k++) {
                double dz = dx[i][k] / policy.scale()[k];
                du[k] += residuals[i] * dz;
                dyHat[i] += policy.coef()[k] * dz;
            }
        }
        return new double[][] {du, dyHat};
    }

    /**
     * Per category (by probe membership), the weight of each probe's Δŷ and Δy in the category's
     * first-order effect beyond the Δβ term: {@code [2][categories][probes]}, ŷ weights first.
     */
    public double[][][] categoryWeights(int[] category, int categories) {
        int n = residuals.length;
        int[] count = new int[categories];
        for (int c : category) {
            count[c]++;
        }
        double[][] onYHat = new double[categories][n];
        double[][] onY = new double[categories][n];
        for (int c = 0; c < categories; c++) {
            for (int i = 0; i < n; i++) {
                onYHat[c][i] = (category[i] == c ? 1.0 / count[c] : 0) - (policy.fitIntercept() ? 1.0 / n : 0);
                onY[c][i] = policy.fitIntercept() ? 1.0 / n : 0;
            }
        }
        return new double[][][] {onYHat, onY};
    }

    /** Per category, the weight of each feature's Δβ in its effect: mean_c z − mean z (or mean_c z without an intercept). */
    public double[][] categoryCoefficientWeights(int[] category, int categories) {
        int n = z.length;
        int p = policy.features();
        double[][] out = new double[categories][p];
        int[] count = new int[categories];
        double[] mean = new double[p];
        for (int i = 0; i < n; i++) {
            count[category[i]]++;
            for (int k = 0; k < p; k++) {
                out[category[i]][k] += z[i][k];
                mean[k] += z[i][k] / n;
            }
        }
        for (int c = 0; c < categories; c++) {
            for (int k = 0; k < p; k++) {
                out[c][k] = out[c][k] / count[c] - (policy.fitIntercept() ? mean[k] : 0);
            }
        }
        return out;
    }

    static double[] times(double[][] a, double[] v) {
        double[] out = new double[a.length];
        for (int j = 0; j < a.length; j++) {
            double s = 0;
            for (int i = 0; i < v.length; i++) {
                s += a[j][i] * v[i];
            }
            out[j] = s;
        }
        return out;
    }
}
