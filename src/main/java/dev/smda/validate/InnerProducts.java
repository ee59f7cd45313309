package dev.smda.validate;

/**
 * Inner products of every pair's loss gradient with every target's gradient, per target family
 * (pairs x targets), with the norms a cosine needs; in a gradient space, possibly preconditioned
 * (then the norms are not used).
 */
record InnerProducts(double[][] probes, double[][] categories, double[][] coefficients, double[] pairNorms, double[] probeNorms,
        double[] categoryNorms, double[] coefficientNorms) {

    double[][] of(String family) {
        return switch (family) {
            case Targets.PROBES -> probes;
            case Targets.CATEGORIES -> categories;
            default -> coefficients;
        };
    }

    double[] targetNorms(String family) {
        return switch (family) {
            case Targets.PROBES -> probeNorms;
            case Targets.CATEGORIES -> categoryNorms;
            default -> coefficientNorms;
        };
    }

    /** {@code factor · ⟨g, ∇t⟩} for every family. */
    Scores scaled(double factor) {
        return Scores.of(scale(probes, factor), scale(categories, factor), scale(coefficients, factor));
    }

    /** {@code factor · cos(g, ∇t)} for every family. */
    Scores cosines(double factor) {
        return Scores.of(cosine(probes, probeNorms, factor), cosine(categories, categoryNorms, factor), cosine(coefficients, coefficientNorms, factor));
    }

    private static double[][] scale(double[][] m, double factor) {
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i].clone();
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] *= factor;
            }
        }
        return out;
    }

    private double[][] cosine(double[][] m, double[] targetNorms, double factor) {
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = new double[m[i].length];
            for (int j = 0; j < out[i].length; j++) {
                double d = pairNorms[i] * targetNorms[j];
                out[i][j] = d > 0 ? factor * m[i][j] / d : 0;
            }
        }
        return out;
    }
}
