package dev.smda.attribution;

/**
 * What one SFT pair's update did on the probes: the change of every probe's policy features
 * (probes x features, raw units) and of its behaviour; and the pair's SFT loss on the base model.
 */
public record PairEffect(String pairId, double[][] dx, double[] dy, double baseLoss) {

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
