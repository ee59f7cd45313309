package dev.smda.run;

import dev.smda.data.Probe;
import dev.smda.measure.Measurement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/** Which SAE features the policy is fitted on, chosen on the base model's probes. */
public final class FeatureSelection {

    private FeatureSelection() {}

    /**
     * ACTIVE: features non-zero on at least {@code threshold} of the probes. CONTRAST: features whose
     * mean on harmful probes and on harmless ones differ by more than {@code threshold}. With
     * {@code maxFeatures} > 0, the most frequent (ACTIVE) or most contrasting (CONTRAST) are kept.
     * The ids come back in increasing order.
     */
    public static int[] select(RunConfig config, double[][] x, List<Probe> probes) {
        int n = x.length;
        int p = x[0].length;
        double[] score = new double[p];
        List<Integer> kept = new ArrayList<>();
        for (int j = 0; j < p; j++) {
            if (config.selection() == RunConfig.Selection.ACTIVE) {
                int active = 0;
                for (double[] row : x) {
                    active += row[j] != 0 ? 1 : 0;
                }
                score[j] = active / (double) n;
                if (score[j] >= config.selectionThreshold() && active > 0 && !constant(x, j)) {
                    kept.add(j);
                }
            } else {
                double harmful = 0;
                double harmless = 0;
                int nh = 0;
                for (int i = 0; i < n; i++) {
                    if (probes.get(i).harmful()) {
                        harmful += x[i][j];
                        nh++;
                    } else {
                        harmless += x[i][j];
                    }
                }
                score[j] = Math.abs(harmful / nh - harmless / (n - nh));
                if (score[j] > config.selectionThreshold()) {
                    kept.add(j);
                }
            }
        }
        if (config.maxFeatures() > 0 && kept.size() > config.maxFeatures()) {
            kept = kept.stream().sorted(Comparator.comparingDouble((Integer j) -> -score[j])).limit(config.maxFeatures()).toList();
        }
        return kept.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    private static boolean constant(double[][] x, int j) {
        for (double[] row : x) {
            if (row[j] != x[0][j]) {
                return false;
            }
        }
        return true;
    }

    /** The measurement with only the chosen features' columns (activations kept as they are). */
    public static Measurement restrict(Measurement full, int[] ids) {
        double[][] x = new double[full.probes()][];
        int[] all = full.featureIds();
        int[] column = new int[ids.length];
        for (int k = 0; k < ids.length; k++) {
            int id = ids[k];
            column[k] = IntStream.range(0, all.length).filter(c -> all[c] == id).findFirst().orElseThrow();
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = new double[ids.length];
            for (int k = 0; k < ids.length; k++) {
                x[i][k] = full.x()[i][column[k]];
            }
        }
        return new Measurement(full.refusalProbability(), full.y(), x, ids.clone(), null);
    }
}
