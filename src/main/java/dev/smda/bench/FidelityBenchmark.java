package dev.smda.bench;

import dev.smda.analysis.Interference;
import dev.smda.analysis.PairSummary;
import dev.smda.attribution.PairAttribution;
import dev.smda.data.DataSets;
import dev.smda.data.SftPair;
import dev.smda.execute.Executor;
import dev.smda.io.BadInputException;
import dev.smda.io.Json;
import dev.smda.progress.Progress;
import dev.smda.run.InputFingerprint;
import dev.smda.run.RunConfig;
import dev.smda.run.RunDirectory;
import dev.smda.run.RunInputs;
import dev.smda.run.RunManifest;
import dev.smda.run.SmdaRun;
import java.io.IOException;
import java.nio.file.Files;
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
 * The linearised reference may be read from a finished run at the same settings (its pairs' effects
 * at the base model are exactly that reference's effects), so that only the other two are computed.
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
     * @param exactSecondsPerPair the time per pair of the exact estimator that measured its pairs here: the linearised one, or the
     *     re-encoded one (the same work per pair) where the linearised effects were read from a run
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
     * @param measured a finished run of {@code inputs} with the exact estimator and the feature change
     *     linearised, at {@code settings} but for its checkpoints, whose effects at the base are the
     *     linearised reference (null: measure it here)
     */
    public static Result run(RunInputs inputs, RunConfig settings, List<Integer> projections, Path work, Progress.Factory progress,
            Executor.Choice exactWhere, Path measured) throws IOException {
        RunConfig atBase = settings.with(settings.preset(), settings.update().atBaseOnly());
        List<Integer> sketches = new ArrayList<>(List.of(0));
        sketches.addAll(projections);
        // every gradient run's settings checked before the exact runs take their minutes
        List<RunConfig> gradientRuns = sketches.stream()
                .map(k -> atBase.withEstimation(RunConfig.FeatureChange.LINEARIZED, RunConfig.Estimator.GRADIENT, k).checked()).toList();
        RunConfig linearizedSettings = atBase.withEstimation(RunConfig.FeatureChange.LINEARIZED, RunConfig.Estimator.EXACT, 0);
        Path linearizedDir = work.resolve("exact-linearized");
        if (measured != null) {
            effectsAtBase(measured, linearizedSettings, inputs, linearizedDir);
        }
        SmdaRun.Result linearized = new SmdaRun(linearizedSettings, inputs, linearizedDir, progress, exactWhere).execute(measured != null);
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
        return new Result(reference.size(), linearized.policy().features(), agreements, switchingShare(full, reference),
                secondsPerPair(measured == null ? linearized : reencoded));
    }

    /**
     * Starts a run at {@code settings} in {@code dir} holding the effect at the base of every pair of
     * the run in {@code measured}: resumed, it measures no pair. The measured run must have used the
     * same inputs (by content) and settings, but for its checkpoints and where its policy was refitted.
     */
    private static void effectsAtBase(Path measured, RunConfig settings, RunInputs inputs, Path dir) throws IOException {
        RunDirectory from = new RunDirectory(measured);
        if (!Files.isRegularFile(from.file(RunDirectory.MANIFEST))) {
            throw new BadInputException(measured + ": no " + RunDirectory.MANIFEST + " (give a finished run directory)");
        }
        RunManifest run = from.readManifest();
        List<SftPair> pairs = DataSets.pairs(inputs.pairs());
        RunManifest seeded = RunManifest.starting(settings, inputs, run.probes(), pairs.size());
        for (var input : seeded.inputs().entrySet()) {
            InputFingerprint used = run.inputs().get(input.getKey());
            if (used == null || !used.sha256().equals(input.getValue().sha256())) {
                throw new BadInputException(from.file(RunDirectory.MANIFEST) + ": the run used another " + input.getKey() + " than " + input.getValue().path());
            }
        }
        RunConfig ran = run.config();
        if (!ran.with(settings.preset(), ran.update().atBaseOnly()).equals(settings)) {
            throw new BadInputException(from.file(RunDirectory.MANIFEST) + ": the run's settings are not the benchmark's (it must use the exact estimator, "
                    + "the linearised feature change and the same update, policy and measurement; only its checkpoints may differ)");
        }
        RunDirectory to = new RunDirectory(dir);
        Files.createDirectories(to.file(RunDirectory.PAIRS));
        for (SftPair pair : pairs) {
            if (!from.hasPair(pair.id())) {
                throw new BadInputException(measured + ": pair '" + pair.id() + "' has no measured effect there (finish the run first)");
            }
            to.writePair(from.readPair(pair.id()).atBase());
        }
        Json.write(to.file(RunDirectory.MANIFEST), seeded);
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
