package dev.smda.validate;

import java.util.List;
import java.util.Map;

/**
 * validation.json: the settings, and per method and target family its linear datamodeling score
 * with a 95% bootstrap interval, as a share of the noise ceiling, and (for methods in the targets'
 * units) the predicted size of a subset's change against the actual; the removal curves and
 * leave-one-out correlations; how each ranking finds planted interference; and the seconds each
 * phase took in the last session ({@code timings}; a resumed validation counts only what it did).
 */
public record ValidationResult(String run, ValidationConfig settings, int subsets, int repeats, int subsetSize, double predictionScale,
        Map<String, Ceiling> noiseCeiling, List<MethodResult> methods, String removalCategory, Removal removal, LeaveOneOut leaveOneOut,
        List<InterferenceScore> interference, double seconds, Map<String, Double> timings, String finished) {

    /**
     * A family's noise ceiling (mean over targets), the single-retraining agreement ρ₁ it comes
     * from, the median size (Euclidean norm over targets) of a subset's actual change, the highest
     * share of the ceiling an additive attribution can reach (null when not measured), and one more
     * retraining's mean LDS against the mean of the others ({@link #ONE_RETRAINING}; null with one repeat).
     */
    public record Ceiling(double ceiling, double repeatAgreement, double medianActualSize, AdditiveBound additive, Double oneRetraining) {}

    /** What one more retraining measures, as reports explain it. */
    public static final String ONE_RETRAINING = "each retraining held out in turn and scored, as a method is, against the mean of the others: "
            + "how well fine-tuning once more foretells the averaged outcome";

    /** The share of the noise ceiling the best sum of per-pair scores reaches ({@link AdditiveShare}), with a 95% bootstrap interval over subsets. */
    public record AdditiveBound(double share, double low, double high) {

        /** What the figure means, as reports explain it. */
        public static final String MEANING = "the share of the ceiling the best sum of per-pair scores reaches, 95% interval over subsets";

        /** As the reports write it: "91% [74, 105]". */
        public String text() {
            return String.format(java.util.Locale.ROOT, "%.0f%% [%.0f, %.0f]", 100 * share, 100 * low, 100 * high);
        }
    }

    /**
     * A method's LDS on a family: mean over targets, 95% bootstrap interval, share of the ceiling,
     * median predicted/actual size, its difference from smda's LDS (null for smda itself, or
     * when smda was not validated), and its LDS against the mean of the other retrainings minus one
     * more retraining's (each repeat held out in turn; above 0: the method foretells the averaged
     * fine-tuning better than fine-tuning once more does; null with one repeat).
     */
    public record FamilyScore(double lds, double low, double high, double ofCeiling, Double sizeRatio, Difference fromSmda, Difference fromRetraining) {}

    /** One LDS minus another over the same subsets, with a 95% paired bootstrap interval (the same resamples for both). */
    public record Difference(double difference, double low, double high) {

        /** As the reports write it: "+0.064 [+0.010, +0.120]". */
        public String text() {
            return String.format(java.util.Locale.ROOT, "%+.3f [%+.3f, %+.3f]", difference, low, high);
        }
    }

    public record MethodResult(String name, String description, Map<String, FamilyScore> families) {}

    /** One method's removal curve: the change of the category's mean y after removing each number of pairs. */
    public record Curve(String method, List<Integer> removed, List<Double> change) {}

    /** The removal curves' category, its mean y after training on every pair (mean over orders), and the curves ("random" among them). */
    public record Removal(String category, double afterAll, List<Curve> curves) {}

    /** The pairs left out, and per method and family the mean correlation (Pearson, Spearman) of predicted and actual leave-one-out changes. */
    public record LeaveOneOut(String category, List<String> pairs, Map<String, Map<String, double[]>> correlation) {}

    /**
     * How a ranking of pairs finds the planted interference pairs: precision (= recall) among its
     * top {@code planted}, average precision, the on-target surprise pairs among those top ones, and
     * for SMDA's own analysis the pairs it flagged.
     */
    public record InterferenceScore(String ranking, int planted, double precisionAtPlanted, double averagePrecision, int surprisesInTop, Integer flagged,
            Integer flaggedPlanted, Integer surprisesFlagged) {

        /** The flagged pairs as the reports write them, "20 (20 planted, 0 surprises)"; empty for a ranking that flags none. */
        public String flaggedText() {
            return flagged == null ? "" : String.format(java.util.Locale.ROOT, "%d (%d planted, %d surprises)", flagged, flaggedPlanted, surprisesFlagged);
        }
    }
}
