package dev.smda.attribution;

import dev.smda.policy.RidgeFit;
import dev.smda.policy.RidgeSystem;
import dev.smda.policy.Standardization;

/**
 * Decomposes the policy change a perturbation (ΔX, Δy) of the base probes' features and behaviour
 * causes, at the policy's λ and with its base standardisation held fixed. The base system is
 * factorised once; each perturbation factorises the perturbed design once.
 */
public final class PolicyDecomposition {

    private final RidgeFit policy;
    private final double[][] x;
    private final double[][] z;
    private final double[] y;
    private final RidgeSystem base;
    private final double[] beta;

    public PolicyDecomposition(RidgeFit policy, double[][] x, double[] y) {
        this.policy = policy;
        this.x = x;
        this.z = policy.standardization().apply(x);
        this.y = y.clone();
        this.base = RidgeSystem.of(z, policy.lambda(), policy.fitIntercept());
        this.beta = base.coefficients(y);
    }

    /** The raw features this decomposition refits at (probes x policy features; not a copy). */
    public double[][] features() {
        return x;
    }

    /** @param dx raw feature changes, probes x policy features; @param dy behaviour changes */
    public Decomposition decompose(double[][] dx, double[] dy) {
        Standardization st = policy.standardization();
        double[][] dz = st.applyToChange(dx);
        double[][] z1 = new double[z.length][];
        double[] y1 = new double[y.length];
        for (int i = 0; i < z.length; i++) {
            z1[i] = new double[z[i].length];
            for (int j = 0; j < z[i].length; j++) {
                z1[i][j] = z[i][j] + dz[i][j];
            }
            y1[i] = y[i] + dy[i];
        }
        RidgeSystem moved = RidgeSystem.of(z1, policy.lambda(), policy.fitIntercept());
        double[] b01 = base.coefficients(y1);
        double[] b10 = moved.coefficients(y);
        double[] b11 = moved.coefficients(y1);
        int p = beta.length;
        double[] delta = new double[p];
        double[] dxPart = new double[p];
        double[] dyPart = new double[p];
        for (int j = 0; j < p; j++) {
            delta[j] = b11[j] - beta[j];
            dyPart[j] = 0.5 * (b01[j] - beta[j]) + 0.5 * (b11[j] - b10[j]);
            dxPart[j] = 0.5 * (b10[j] - beta[j]) + 0.5 * (b11[j] - b01[j]);
        }
        return firstOrder(delta, dxPart, dyPart, dz, dy);
    }

    /**
     * Per category (by probe membership), the change of its mean predicted behaviour when the policy
     * is refitted on the perturbed probes: mean over its probes of ŷ' − ŷ, with ŷ' = b' + (z + Δz)·(β + Δβ).
     */
    public double[] categoryEffects(double[][] dx, double[] dy, double[] delta, int[] category, int categories) {
        double[][] dz = policy.standardization().applyToChange(dx);
        int n = z.length;
        int p = beta.length;
        double[] after = beta.clone();
        for (int j = 0; j < p; j++) {
            after[j] += delta[j];
        }
        double[][] z1 = new double[n][p];
        double[] y1 = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < p; j++) {
                z1[i][j] = z[i][j] + dz[i][j];
            }
            y1[i] = y[i] + dy[i];
        }
        double interceptBefore = base.intercept(y, beta);
        double interceptAfter = RidgeSystem.of(z1, policy.lambda(), policy.fitIntercept()).intercept(y1, after);
        double[] sum = new double[categories];
        int[] count = new int[categories];
        for (int i = 0; i < n; i++) {
            double change = interceptAfter - interceptBefore;
            for (int j = 0; j < p; j++) {
                change += z1[i][j] * after[j] - z[i][j] * beta[j];
            }
            sum[category[i]] += change;
            count[category[i]]++;
        }
        for (int c = 0; c < categories; c++) {
            sum[c] /= Math.max(1, count[c]);
        }
        return sum;
    }

    private Decomposition firstOrder(double[] delta, double[] dxPart, double[] dyPart, double[][] dz, double[] dy) {
        int n = z.length;
        int p = beta.length;
        double[][] dzc = centredColumns(dz);
        double[] yc = base.centred(y);
        double[] dyc = base.centred(dy);
        double[] fitted = base.zcTimes(beta);
        double[] residualY = new double[n];
        for (int i = 0; i < n; i++) {
            residualY[i] = yc[i] - fitted[i];
        }
        // ΔZcᵀ (yc − Zc β)
        double[] a = new double[p];
        // ΔZc β, then Zcᵀ of it
        double[] dzBeta = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < p; j++) {
                a[j] += dzc[i][j] * residualY[i];
                dzBeta[i] += dzc[i][j] * beta[j];
            }
        }
        double[] residual = base.solveA(a);
        double[] collinearity = base.solveA(base.zcTransposeTimes(dzBeta));
        for (int j = 0; j < p; j++) {
            collinearity[j] = -collinearity[j];
        }
        double[] output = base.solveA(base.zcTransposeTimes(dyc));
        return new Decomposition(delta, dxPart, dyPart, residual, collinearity, output);
    }

    private double[][] centredColumns(double[][] m) {
        if (!policy.fitIntercept()) {
            return m;
        }
        int n = m.length;
        int p = m[0].length;
        double[] mean = new double[p];
        for (double[] row : m) {
            for (int j = 0; j < p; j++) {
                mean[j] += row[j] / n;
            }
        }
        double[][] out = new double[n][p];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < p; j++) {
                out[i][j] = m[i][j] - mean[j];
            }
        }
        return out;
    }
}
