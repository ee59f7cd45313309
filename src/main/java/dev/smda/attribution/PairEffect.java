package dev.smda.attribution;

/**
 * What one SFT pair's update did on the probes: the change of every probe's policy features
 * (probes x features, raw units) and of its behaviour; and the pair's SFT loss on the base model.
 */
public record PairEffect(String pairId, double[][] dx, double[] dy, double baseLoss) {

    /** The sum of two effects of the same pair. */
    PairEffect plus(PairEffect other) {
        double[] sumY = dy.clone();
        double[][] sumX = new double[dx.length][];
        for (int i = 0; i < dy.length; i++) {
            sumY[i] += other.dy[i];
            sumX[i] = dx[i].clone();
            for (int j = 0; j < sumX[i].length; j++) {
                sumX[i][j] += other.dx[i][j];
            }
        }
        return new PairEffect(pairId, sumX, sumY, baseLoss);
    }

    PairEffect scaled(double factor) {
        double[] y = dy.clone();
        double[][] x = new double[dx.length][];
        for (int i = 0; i < y.length; i++) {
            y[i] *= factor;
            x[i] = dx[i].clone();
            for (int j = 0; j < x[i].length; j++) {
                x[i][j] *= factor;
            }
        }
        return new PairEffect(pairId, x, y, baseLoss);
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
