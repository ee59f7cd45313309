package dev.smda.validate;

import dev.smda.io.BadInputException;
import dev.smda.io.SafeTensorsFile;
import dev.smda.run.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * How well a validation found smda's attribution of each policy coefficient to predict what
 * retraining does: per coefficient, smda's LDS and the noise ceiling, for the features as the run
 * measures them and as the SAE re-encodes them, beside the share of the base's probes the feature
 * fires on. A rarely firing feature's coefficient rests on few probes' change and is predicted less
 * well (on the embedded world the coefficients of features firing on under 5% of the probes reach
 * an LDS of 0.52, 65% of their ceiling, those firing on a quarter or more 0.77, 85%), so `smda
 * validate` and the report say which coefficients' attributions can be read.
 *
 * @param firing per coefficient, the share of the base's probes its feature is non-zero on
 */
public record CoefficientFidelity(double[] lds, double[] ceiling, double[] ldsReencoded, double[] ceilingReencoded, double[] firing) {

    /** The firing shares that bound the bands `smda validate` and the report summarise. */
    private static final double[] BAND_EDGES = {0.05, 0.10, 0.25};

    /** Means over some coefficients of their LDS and ceiling, each over those whose LDS is defined (a coefficient no subset changed has none). */
    public record Mean(int coefficients, double lds, double ceiling, double ldsReencoded, double ceilingReencoded) {}

    /** The coefficients whose feature fires on a share of the probes in [low, high). */
    public record Band(double low, double high, Mean mean) {

        /** "5% to 10% of the probes", or "25% of the probes or more" for the last band. */
        public String range() {
            return Double.isInfinite(high) ? String.format(Locale.ROOT, "%.0f%% of the probes or more", 100 * low)
                    : String.format(Locale.ROOT, "%.0f%% to %.0f%% of the probes", 100 * low, 100 * high);
        }
    }

    /** The smda scores of a run's validation in {@code folder}, or null when there is none or it did not score smda. */
    public static CoefficientFidelity of(Path runDir, Path folder) throws IOException {
        RunDirectory run = new RunDirectory(runDir);
        try (SafeTensorsFile base = SafeTensorsFile.open(run.file(RunDirectory.BASE))) {
            return read(folder.resolve(Validation.METRICS), base.matrix("X"));
        }
    }

    /** The smda scores of a validation's metrics file, or null when there is none or smda was not among its methods. */
    static CoefficientFidelity read(Path metrics, double[][] baseX) throws IOException {
        if (!Files.isRegularFile(metrics)) {
            return null;
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(metrics)) {
            List<String> needed = List.of("lds.smda.coefficients", "ceiling.coefficients", "lds.smda.coefficients_reencoded", "ceiling.coefficients_reencoded");
            if (!f.names().containsAll(needed)) {
                return null;
            }
            double[] lds = f.doubles(needed.get(0));
            if (lds.length != baseX[0].length) {
                throw new BadInputException(metrics + ": scores of " + lds.length + " coefficients, but the run's policy has " + baseX[0].length
                        + " (a validation of an earlier run? validate the run again)");
            }
            return new CoefficientFidelity(lds, f.doubles(needed.get(1)), f.doubles(needed.get(2)), f.doubles(needed.get(3)), firing(baseX));
        }
    }

    private static double[] firing(double[][] x) {
        double[] out = new double[x[0].length];
        for (double[] row : x) {
            for (int j = 0; j < out.length; j++) {
                out[j] += row[j] != 0 ? 1.0 / x.length : 0;
            }
        }
        return out;
    }

    /** The bands of {@link #BAND_EDGES} that hold a feature, rarest first. */
    public List<Band> bands() {
        List<Band> out = new ArrayList<>();
        double low = 0;
        for (int b = 0; b <= BAND_EDGES.length; b++) {
            double high = b < BAND_EDGES.length ? BAND_EDGES[b] : Double.POSITIVE_INFINITY;
            double from = low;
            int[] in = IntStream.range(0, firing.length).filter(j -> firing[j] >= from && firing[j] < high).toArray();
            if (in.length > 0) {
                out.add(new Band(low, high, over(in)));
            }
            low = high;
        }
        return out;
    }

    /** The means over the given coefficients (policy columns). */
    public Mean over(int[] columns) {
        return new Mean(columns.length, mean(lds, lds, columns), mean(ceiling, lds, columns), mean(ldsReencoded, ldsReencoded, columns),
                mean(ceilingReencoded, ldsReencoded, columns));
    }

    private static double mean(double[] v, double[] defined, int[] at) {
        return IntStream.of(at).filter(j -> Double.isFinite(defined[j])).mapToDouble(j -> v[j]).average().orElse(Double.NaN);
    }
}
