package dev.smda.attribution;

import java.util.List;

/**
 * What one SFT pair's update did on the probes: the change of every probe's policy features
 * (probes x features, raw units) and of its behaviour; and the pair's SFT loss on the base model.
 * With checkpoints, {@code dx} and {@code dy} are the update's effects averaged over them, and
 * {@code baseDx} and {@code baseDy} its effect on the base model alone (null with one checkpoint,
 * where the two are the same): see {@link #atBase}.
 */
public record PairEffect(String pairId, double[][] dx, double[] dy, double baseLoss, double[][] baseDx, double[] baseDy) {

    /** An effect measured at the base model only. */
    public PairEffect(String pairId, double[][] dx, double[] dy, double baseLoss) {
        this(pairId, dx, dy, baseLoss, null, null);
    }

    /** The update's effect on the base model alone: the model the user has, before any other pair. */
    public PairEffect atBase() {
        return baseDx == null ? this : new PairEffect(pairId, baseDx, baseDy, baseLoss);
    }

    /** This effect with the base model's Δy on the probes marked in {@code atBase} (null, or no effect at the base kept: this effect). */
    public PairEffect withDyAtBase(boolean[] atBase) {
        if (atBase == null || baseDy == null) {
            return this;
        }
        double[] y = dy.clone();
        for (int i = 0; i < y.length; i++) {
            if (atBase[i]) {
                y[i] = baseDy[i];
            }
        }
        return new PairEffect(pairId, dx, y, baseLoss, baseDx, baseDy);
    }

    /** The mean of the effects of one pair's update at several checkpoints, the base first. */
    static PairEffect averaged(List<PairEffect> atCheckpoints) {
        PairEffect base = atCheckpoints.getFirst();
        if (atCheckpoints.size() == 1) {
            return base;
        }
        int n = base.dy.length;
        double[] y = new double[n];
        double[][] x = new double[n][base.dx.length == 0 ? 0 : base.dx[0].length];
        for (PairEffect e : atCheckpoints) {
            for (int i = 0; i < n; i++) {
                y[i] += e.dy[i];
                for (int j = 0; j < x[i].length; j++) {
                    x[i][j] += e.dx[i][j];
                }
            }
        }
        double factor = 1.0 / atCheckpoints.size();
        for (int i = 0; i < n; i++) {
            y[i] *= factor;
            for (int j = 0; j < x[i].length; j++) {
                x[i][j] *= factor;
            }
        }
        return new PairEffect(base.pairId, x, y, base.baseLoss, base.dx, base.dy);
    }

    /** The change from {@code before} to {@code after} (same probes and features). */
    public static PairEffect between(String pairId, dev.smda.measure.Measurement before, dev.smda.measure.Measurement after, double baseLoss) {
        int n = before.probes();
        double[] dy = new double[n];
        double[][] dx = new double[n][];
        for (int i = 0; i < n; i++) {
            dy[i] = after.y()[i] - before.y()[i];
            dx[i] = new double[before.x()[i].length];
            for (int j = 0; j < dx[i].length; j++) {
                dx[i][j] = after.x()[i][j] - before.x()[i][j];
            }
        }
        return new PairEffect(pairId, dx, dy, baseLoss);
    }
}
