package dev.smda.bench;

import dev.smda.analysis.Interference;
import dev.smda.analysis.PairSummary;
import dev.smda.attribution.PairAttribution;
import dev.smda.execute.Executor;
import dev.smda.progress.Progress;
import dev.smda.run.RunConfig;
import dev.smda.run.RunInputs;
import dev.smda.run.SmdaRun;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.hipparchus.stat.correlation.SpearmansCorrelation;

/**
 * How closely the gradient estimator reproduces the exact one on a world. The gradient estimator is
 * the first-order limit of the exact estimator with the feature change linearised (the SAE's active
 * set fixed) and each pair's update applied once at the base, so that is its reference; the fully
 * exact estimator (features re-encoded) is the second reference for the ΔY parts, and the share of
 * its ΔX that is features switching on or off is measured against the linearised one. With
 * Kronecker sketch sizes, the sketched gradient estimator is judged against the same references.
 */
public final class FidelityBenchmark {

    /** How many interference pairs at the top of the reference ranking are compared. */
    public static final int TOP = 20;

    /**
     * One estimator against the linearised exact one: Spearman ρ over every (pair, feature) ΔX part
     * and ΔY part, the ΔY parts also against the re-encoded exact estimator, ρ over pairs of the
     * paper's score ΔW·W and over every (pair, category) effect, and how many of the reference's top
     * {@link #TOP} interference pairs are in this one's top {@link #TOP}.
     */
    public record Agreement(String estimator, double dxParts, double dyParts, double dyPartsAgainstReencoded, double score, double categoryEffects,
            int sharedTopInterference, double secondsPerPair) {}

    /**
     * @param switchingShare Σ|ΔX re-encoded − ΔX linearised| / Σ|ΔX re-encoded| over every (pair,
     *     feature) part: the share of the exact ΔX that features switching on or off make, which no
     *     first-order estimator sees
     * @param exactSecondsPerPair the linearised exact estimator's time per pair
     */
    public record Result(int pairs, int features, List<Agreement> agreements, double switchingShare, double exactSecondsPerPair) {}

    private FidelityBenchmark() {}

    /**
     * Runs the two exact estimators and the gradient estimator, then the gradient estimator in a
     * Kronecker sketch of each size in {@code projections}, on {@code inputs} at {@code settings} (its
     * update applied once, at the base), each in a directory under {@code work}.
     *
     * @param exactWhere where the exact estimators estimate their pairs (their time per pair is that
     *     executor's); the gradient estimator runs on one in-process worker, since each worker makes its
     *     own one-time pass over the probes
     */
    public static Result run(RunInputs inputs, RunConfig settings, List<Integer> projections, Path work, Progress.Factory progress,
            Executor.Choice exactWhere) throws IOException {
        RunConfig atBase = settings.with(settings.preset(), settings.update().atBaseOnly());
        List<Integer> sketches = new ArrayList<>(List.of(0));
        sketches.addAll(projections);
        // every gradient run's settings checked before the exact runs take their minutes
        List<RunConfig> gradientRuns = sketches.stream()
                .map(k -> atBase.withEstimation(RunConfig.FeatureChange.LINEARIZED, RunConfig.Estimator.GRADIENT, k).checked()).toList();
        SmdaRun.Result linearized = execute(atBase.withEstimation(RunConfig.FeatureChange.LINEARIZED, RunConfig.Estimator.EXACT, 0), inputs,
                work.resolve("exact-linearized"), progress, exactWhere);
        SmdaRun.Result reencoded = execute(atBase.withEstimation(RunConfig.FeatureChange.EXACT, RunConfig.Estimator.EXACT, 0), inputs,
                work.resolve("exact-reencoded"), progress, exactWhere);
        List<PairAttribution> reference = linearized.directory().readAttributions();
        List<PairAttribution> full = reencoded.directory().readAttributions();
        List<Agreement> agreements = new ArrayList<>();
        for (RunConfig config : gradientRuns) {
            int k = config.projection();
            SmdaRun.Result gradient = execute(config, inputs, work.resolve(k == 0 ? "gradient" : "gradient-sketch-" + k), progress, Executor.Choice.IN_PROCESS);
            String name = k > 0 ? "gradient, Kronecker sketch k=" + k
                    : atBase.update().mode() == dev.smda.train.SftConfig.Mode.LORA ? "gradient, LoRA rank " + atBase.update().loraRank() : "gradient";
            agreements.add(agreement(name, linearized, reference, full, gradient));
        }
        return new Result(reference.size(), linearized.policy().features(), agreements, switchingShare(full, reference), secondsPerPair(linearized));
    }

    private static SmdaRun.Result execute(RunConfig config, RunInputs inputs, Path dir, Progress.Factory progress, Executor.Choice where) throws IOException {
        return new SmdaRun(config, inputs, dir, progress, where).execute(false);
    }

    private static Agreement agreement(String name, SmdaRun.Result reference, List<PairAttribution> linearized, List<PairAttribution> reencoded,
            SmdaRun.Result candidate) throws IOException {
        List<PairAttribution> estimated = candidate.directory().readAttributions();
        return new Agreement(name, rho(linearized, estimated, PairAttribution::dxPart), rho(linearized, estimated, PairAttribution::dyPart),
                rho(reencoded, estimated, PairAttribution::dyPart), rho(scores(reference), scores(candidate)),
                rho(linearized, estimated, PairAttribution::categoryEffect), sharedTop(reference, candidate), secondsPerPair(candidate));
    }

    private static double rho(List<PairAttribution> a, List<PairAttribution> b, Function<PairAttribution, double[]> part) {
        return rho(flatten(a, part), flatten(b, part));
    }

    private static double rho(double[] a, double[] b) {
        return new SpearmansCorrelation().correlation(a, b);
    }

    private static double[] flatten(List<PairAttribution> attributions, Function<PairAttribution, double[]> part) {
        return attributions.stream().flatMapToDouble(a -> java.util.Arrays.stream(part.apply(a))).toArray();
    }

    /** The paper's score of each pair, in the run's pair order: first order, from the measured ΔX and Δy where the estimator has them apart. */
    private static double[] scores(SmdaRun.Result run) {
        return run.analysis().pairs().stream().mapToDouble(PairSummary::firstOrderScore).toArray();
    }

    private static int sharedTop(SmdaRun.Result reference, SmdaRun.Result candidate) {
        Set<String> top = new HashSet<>(topPairs(reference));
        return (int) topPairs(candidate).stream().filter(top::contains).count();
    }

    private static List<String> topPairs(SmdaRun.Result run) {
        return run.analysis().interference().stream().limit(TOP).map(Interference.Entry::pair).toList();
    }

    private static double switchingShare(List<PairAttribution> reencoded, List<PairAttribution> linearized) {
        double[] exact = flatten(reencoded, PairAttribution::dxPart);
        double[] smooth = flatten(linearized, PairAttribution::dxPart);
        double switching = 0;
        double total = 0;
        for (int i = 0; i < exact.length; i++) {
            switching += Math.abs(exact[i] - smooth[i]);
            total += Math.abs(exact[i]);
        }
        return switching / total;
    }

    private static double secondsPerPair(SmdaRun.Result run) throws IOException {
        return run.directory().readManifest().estimationSeconds() / run.pairsComputed();
    }
}
