package dev.smda.validate;

import dev.smda.analysis.Analysis;
import dev.smda.analysis.CategoryGap;
import dev.smda.data.DataSets;
import dev.smda.data.Probe;
import dev.smda.data.SftPair;
import dev.smda.execute.Executor;
import dev.smda.execute.Job;
import dev.smda.io.BadInputException;
import dev.smda.io.Json;
import dev.smda.io.SafeTensorsFile;
import dev.smda.io.SafeTensorsWriter;
import dev.smda.lm.LanguageModel;
import dev.smda.measure.Measurement;
import dev.smda.policy.RidgeFit;
import dev.smda.progress.Progress;
import dev.smda.run.OpenedModel;
import dev.smda.run.RunConfig;
import dev.smda.run.RunInputs;
import dev.smda.run.RunDirectory;
import dev.smda.run.RunManifest;
import dev.smda.sae.Sae;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code smda validate}: are a run's attributions right? Counterfactual retraining on random subsets
 * of the pairs (each in several orders), every method's prediction of what each retraining did,
 * and the linear datamodeling score of each beside the noise ceiling; removal curves and
 * leave-one-out retraining for one category; and, where the pairs have a planted truth beside them,
 * how well each method's ranking finds the planted interference.
 *
 * <p>Every retraining and every method's scores are written as they finish, so an interrupted
 * validation resumes; the metrics are recomputed from the files at the end.
 */
public final class Validation {

    static final String MANIFEST = "validation.json";
    static final String SETTINGS = "settings.json";
    /** Every per-target figure: each family's noise ceiling and each method's LDS, target by target. */
    static final String METRICS = "metrics.safetensors";

    private final Path runDir;
    private final Path out;
    private final ValidationConfig config;
    private final Progress.Factory progress;
    private final Executor.Choice where;
    private final Map<String, Integer> pairIndex = new LinkedHashMap<>();
    private final dev.smda.io.Checksums checksums;
    /** How the model is retrained on an order of pairs, here or on a cluster: set once the run's model is open. */
    private Job<RetrainRecipe.Retraining, Retrainer.Outcome> retraining;

    public Validation(Path runDir, Path out, ValidationConfig config, Progress.Factory progress) {
        this(runDir, out, config, progress, Executor.Choice.IN_PROCESS);
    }

    /** @param where where the subsets are retrained (the outcomes do not depend on it) */
    public Validation(Path runDir, Path out, ValidationConfig config, Progress.Factory progress, Executor.Choice where) {
        this.where = where;
        this.runDir = runDir;
        this.out = out;
        this.config = config;
        this.progress = progress;
        this.checksums = new dev.smda.io.Checksums(out);
    }

    /** The run's default validation folder. */
    public static Path defaultOut(Path runDir) {
        return runDir.resolve("validation");
    }

    public ValidationResult execute(boolean resume) throws IOException {
        long start = System.nanoTime();
        RunDirectory run = new RunDirectory(runDir);
        for (String f : List.of(RunDirectory.MANIFEST, RunDirectory.POLICY, RunDirectory.BASE, RunDirectory.ANALYSIS)) {
            if (!Files.isRegularFile(run.file(f))) {
                throw new BadInputException(runDir + ": no " + f + " (validate a finished run directory)");
            }
        }
        RunManifest manifest = run.readManifest();
        RunConfig runConfig = manifest.config();
        RidgeFit policy = Json.MAPPER.treeToValue(Json.read(run.file(RunDirectory.POLICY)), RidgeFit.class);
        Analysis analysis = Json.MAPPER.treeToValue(Json.read(run.file(RunDirectory.ANALYSIS)), Analysis.class);
        Path pairsFile = Path.of(manifest.inputs().get("pairs").path());
        List<Probe> probes = DataSets.probes(Path.of(manifest.inputs().get("probes").path()));
        List<SftPair> pairs = DataSets.pairs(pairsFile);
        for (int k = 0; k < pairs.size(); k++) {
            pairIndex.put(pairs.get(k).id(), k);
        }
        startFolder(resume);
        List<String> categories = probes.stream().map(Probe::category).distinct().toList();
        int[] probeCategory = probes.stream().mapToInt(p -> categories.indexOf(p.category())).toArray();
        boolean linearized = runConfig.featureChange() == RunConfig.FeatureChange.LINEARIZED;
        Targets targets = new Targets(categories, probeCategory, policy.features(), linearized);
        try (OpenedModel opened = OpenedModel.open(Path.of(manifest.inputs().get("model").path()), Path.of(manifest.inputs().get("sae").path()), runConfig)) {
            LanguageModel lm = opened.lm();
            Sae sae = opened.sae();
            Measurement base = RetrainRecipe.exactMeasurer(runConfig, probes, policy, lm, sae).measureWithGates(lm.model());
            checkSameBase(run, base);
            RunInputs inputs = new RunInputs(Path.of(manifest.inputs().get("model").path()), Path.of(manifest.inputs().get("sae").path()),
                    Path.of(manifest.inputs().get("probes").path()), pairsFile);
            RetrainRecipe recipe = new RetrainRecipe(runConfig, inputs, probes, policy, base, config.epochs(), config.batchSize());
            RetrainRecipe.Setup setup = recipe.setUp(lm, sae, pairs);
            ValidationContext ctx = new ValidationContext(lm, probes, pairs, setup.examples(), runConfig, run, policy, base, setup.frozen(), targets, config,
                    progress);
            Retrainer retrainer = setup.retrainer();
            double scale = retrainer.predictionScale(runConfig.update().steps());

            Map<String, Double> timings = new LinkedHashMap<>();
            long[] mark = {System.nanoTime()};
            java.util.function.Consumer<String> done = name -> {
                long now = System.nanoTime();
                timings.put(name, (now - mark[0]) / 1e9);
                mark[0] = now;
            };
            done.accept("open and measure the base");
            List<List<SftPair>> subsets = subsets(pairs);
            Json.write(out.resolve("subsets.json"), subsets.stream().map(subset -> subset.stream().map(SftPair::id).toList()).toList());
            retraining = new Job<>(RetrainRecipe.Factory.class, recipe.toJson(), () -> RetrainRecipe.worker(retrainer, pairs));
            Retrainer.Outcome[][] outcomes = retrainSubsets(subsets);
            done.accept("retrain the subsets");
            Map<String, Scores> scores = new LinkedHashMap<>();
            for (String name : config.methods()) {
                AttributionMethod method = method(name, run, pairs);
                if (method != null) {
                    scores.put(name, scores(method, ctx));
                    done.accept("scores: " + name);
                }
            }
            Retrainer.Outcome baseOutcome = new Retrainer.Outcome(base.y(), base.x(), policy.coef(), linearized ? base.x() : null, linearized ? policy.coef() : null);
            List<ValidationResult.MethodResult> methods = new ArrayList<>();
            Map<String, double[]> perTarget = new LinkedHashMap<>();
            Map<String, double[][][]> retrained = new LinkedHashMap<>();
            Map<String, double[][]> actual = new LinkedHashMap<>();
            for (String family : targets.families()) {
                retrained.put(family, changes(targets, family, outcomes, baseOutcome));
                actual.put(family, Metrics.meanOverRepeats(retrained.get(family)));
            }
            Map<String, OneRetraining> oneMore = oneRetraining(retrained);
            Map<String, ValidationResult.Ceiling> ceilings = ceilings(retrained, actual, membership(subsets), oneMore, perTarget);
            Map<String, Reference> smda = references(scores.get(SmdaMethod.NAME), actual, subsets, scale);
            for (var e : scores.entrySet()) {
                AttributionMethod method = method(e.getKey(), run, pairs);
                methods.add(evaluate(method, e.getValue(), e.getKey().equals(SmdaMethod.NAME) ? Map.of() : smda, oneMore, actual, subsets, scale, ceilings,
                        perTarget));
            }
            done.accept("metrics");
            String removalCategory = removalCategory(analysis, probes, base, categories);
            ValidationResult.Removal removal = config.removalSizes().isEmpty() || config.removalSeeds() == 0 ? null
                    : new RemovalCurves(retrainer, pairs, targets, categories.indexOf(removalCategory), config, this).run(scores, scale);
            done.accept("removal curves");
            ValidationResult.LeaveOneOut loo = config.looPairs() == 0 ? null
                    : new LeaveOneOut(retrainer, pairs, targets, categories.indexOf(removalCategory), config, this).run(scores, scale);
            done.accept("leave-one-out");
            List<ValidationResult.InterferenceScore> interference = TruthComparisons.of(pairsFile, ctx, analysis, scores);
            done.accept("interference against the truth");
            writeMetrics(perTarget);
            ValidationResult result = new ValidationResult(runDir.toAbsolutePath().toString(), config, subsets.size(), config.repeats(),
                    (int) Math.round(config.fraction() * pairs.size()), scale, ceilings, methods, removalCategory, removal, loo, interference,
                    (System.nanoTime() - start) / 1e9, timings, Instant.now().toString());
            Json.write(out.resolve(MANIFEST), result);
            return result;
        }
    }

    private void startFolder(boolean resume) throws IOException {
        Path settings = out.resolve(SETTINGS);
        if (Files.exists(settings)) {
            if (!resume) {
                throw new BadInputException(out + ": already holds a validation; continue it with --resume, or choose another --out");
            }
            ValidationConfig previous = Json.MAPPER.treeToValue(Json.read(settings), ValidationConfig.class);
            if (!previous.equals(config)) {
                throw new BadInputException(settings + ": the validation there used other settings; resume only with the same ones");
            }
            return;
        }
        if (Files.isDirectory(out) && Files.list(out).findAny().isPresent()) {
            throw new BadInputException(out + ": not empty and not a validation folder; choose another --out");
        }
        Files.createDirectories(out);
        Json.write(settings, config);
    }

    /** The model must still be the run's: the base measurement is made again and compared. */
    private static void checkSameBase(RunDirectory run, Measurement base) throws IOException {
        try (SafeTensorsFile st = SafeTensorsFile.open(run.file(RunDirectory.BASE))) {
            double[] y = st.doubles("y");
            for (int i = 0; i < y.length; i++) {
                if (Math.abs(y[i] - base.y()[i]) > 1e-4 * Math.max(1, Math.abs(y[i]))) {
                    throw new BadInputException(run.file(RunDirectory.BASE) + ": probe " + (i + 1) + "'s behaviour measures " + base.y()[i] + " now, "
                            + y[i] + " in the run: the model or its inputs changed since");
                }
            }
        }
    }

    /** K seeded random subsets of round(α·N) pairs each, in the pairs' order. */
    private List<List<SftPair>> subsets(List<SftPair> pairs) {
        Random random = new Random(config.seed());
        int size = (int) Math.round(config.fraction() * pairs.size());
        if (size < 1 || size >= pairs.size()) {
            throw new BadInputException("--fraction " + config.fraction() + " leaves subsets of " + size + " of " + pairs.size() + " pairs; it must leave at least one in and one out");
        }
        List<List<SftPair>> out = new ArrayList<>();
        for (int s = 0; s < config.subsets(); s++) {
            List<Integer> index = new ArrayList<>(java.util.stream.IntStream.range(0, pairs.size()).boxed().toList());
            Collections.shuffle(index, random);
            List<Integer> chosen = new ArrayList<>(index.subList(0, size));
            Collections.sort(chosen);
            out.add(chosen.stream().map(pairs::get).toList());
        }
        return out;
    }

    static long orderSeed(long seed, int subset, int repeat) {
        return seed * 1_000_003L + subset * 7919L + repeat;
    }

    /** Every subset's retraining in every order ({@link #retrain}). */
    private Retrainer.Outcome[][] retrainSubsets(List<List<SftPair>> subsets) throws IOException {
        List<String> names = new ArrayList<>();
        List<List<SftPair>> orders = new ArrayList<>();
        for (int r = 0; r < config.repeats(); r++) {
            for (int s = 0; s < subsets.size(); s++) {
                names.add(String.format("s%03d-r%d", s, r));
                orders.add(Retrainer.order(subsets.get(s), orderSeed(config.seed(), s, r), config.epochs()));
            }
        }
        Retrainer.Outcome[] flat = retrain("retrain", names, orders, "retraining");
        Retrainer.Outcome[][] outcomes = new Retrainer.Outcome[config.repeats()][];
        for (int r = 0; r < config.repeats(); r++) {
            outcomes[r] = java.util.Arrays.copyOfRange(flat, r * subsets.size(), (r + 1) * subsets.size());
        }
        return outcomes;
    }

    /**
     * The model retrained on each order, in order: read from {@code folder/name.safetensors} where
     * finished, the others run where the user chose (side by side on several workers) and written as
     * they finish, so an interrupted validation resumes per retraining.
     */
    Retrainer.Outcome[] retrain(String folder, List<String> names, List<List<SftPair>> orders, String label) throws IOException {
        Retrainer.Outcome[] outcomes = new Retrainer.Outcome[names.size()];
        List<Integer> pending = new ArrayList<>();
        List<RetrainRecipe.Retraining> tasks = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            outcomes[i] = readOutcome(outcomeFile(folder, names.get(i)));
            if (outcomes[i] == null) {
                pending.add(i);
                tasks.add(new RetrainRecipe.Retraining(orders.get(i).stream().map(SftPair::id).toList()));
            }
        }
        if (tasks.isEmpty()) {
            return outcomes;
        }
        Progress[] bar = new Progress[1];
        long[] done = {names.size() - tasks.size()};
        try (Executor executor = Executor.of(where)) {
            executor.run(retraining, tasks, new Executor.Listener<>() {
                @Override
                public void prepared() {
                    bar[0] = progress.start(label, names.size(), "retrainings", done[0]);
                }

                @Override
                public void finished(int index, Retrainer.Outcome outcome) throws IOException {
                    int i = pending.get(index);
                    writeOutcome(outcomeFile(folder, names.get(i)), outcome);
                    outcomes[i] = outcome;
                    bar[0].stepTo(++done[0], names.get(i));
                }
            });
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
        }
        return outcomes;
    }

    private Path outcomeFile(String folder, String name) {
        return out.resolve(folder).resolve(name + ".safetensors");
    }

    /** The outcome in {@code file} when it is whole and recorded as finished; else null. */
    private Retrainer.Outcome readOutcome(Path file) throws IOException {
        if (!checksums.intact(file)) {
            return null;
        }
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            boolean reencoded = st.names().contains("beta_reencoded");
            return new Retrainer.Outcome(st.doubles("y"), st.matrix("X"), st.doubles("beta"), reencoded ? st.matrix("X_reencoded") : null,
                    reencoded ? st.doubles("beta_reencoded") : null);
        }
    }

    private void writeOutcome(Path file, Retrainer.Outcome o) throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter().addDoubles("y", o.y(), o.y().length).addDoubles("beta", o.beta(), o.beta().length);
        w.addMatrix("X", o.x());
        if (o.betaReencoded() != null) {
            w.addDoubles("beta_reencoded", o.betaReencoded(), o.betaReencoded().length);
            w.addMatrix("X_reencoded", o.xReencoded());
        }
        w.write(file);
        checksums.record(file);
    }

    private AttributionMethod method(String name, RunDirectory run, List<SftPair> pairs) throws IOException {
        return switch (name) {
            case SmdaMethod.NAME -> new SmdaMethod(false);
            case "smda-first-order" -> run.readAttributions().getFirst().residual() == null ? null : new SmdaMethod(true);
            case "tracin" -> new TracInMethod();
            case "grad-cosine" -> new GradientCosineMethod();
            case "repsim" -> new RepresentationSimilarity();
            case "ekfac" -> new EkfacMethod();
            case "loss" -> new SimpleMethods.Loss();
            case "random" -> new SimpleMethods.Chance();
            default -> throw new BadInputException("--methods: unknown method '" + name + "' (one of " + ValidationConfig.ALL_METHODS + ")");
        };
    }

    private Scores scores(AttributionMethod method, ValidationContext ctx) throws IOException {
        Path file = out.resolve("scores").resolve(method.name() + ".safetensors");
        if (checksums.intact(file)) {
            return Scores.read(file);
        }
        Scores s = method.attribute(ctx);
        Files.createDirectories(file.getParent());
        s.write(file);
        checksums.record(file);
        return s;
    }

    /** Per family, the retrainings' changes from the base: {@code [repeat][subset][target]}. */
    private static double[][][] changes(Targets targets, String family, Retrainer.Outcome[][] outcomes, Retrainer.Outcome base) {
        double[] b = targets.of(family, base);
        double[][][] out = new double[outcomes.length][outcomes[0].length][];
        for (int r = 0; r < outcomes.length; r++) {
            for (int s = 0; s < outcomes[r].length; s++) {
                double[] v = targets.of(family, outcomes[r][s]);
                out[r][s] = new double[v.length];
                for (int t = 0; t < v.length; t++) {
                    out[r][s][t] = v[t] - b[t];
                }
            }
        }
        return out;
    }

    /**
     * @param retrained per family, the retrainings' changes {@code [repeat][subset][target]}
     * @param actual per family, their mean over the repeats
     * @param membership which pairs each subset holds ({@code [subset][pair]}, 0 or 1)
     * @param oneMore per family, one more retraining as a yardstick (none with one repeat)
     */
    private Map<String, ValidationResult.Ceiling> ceilings(Map<String, double[][][]> retrained, Map<String, double[][]> actual, double[][] membership,
            Map<String, OneRetraining> oneMore, Map<String, double[]> perTarget) {
        Map<String, ValidationResult.Ceiling> out = new LinkedHashMap<>();
        for (var e : retrained.entrySet()) {
            double[][][] changes = e.getValue();
            boolean repeated = changes.length > 1;
            double[] ceiling = repeated ? Metrics.noiseCeiling(changes) : new double[changes[0][0].length];
            double[] agreement = repeated ? Metrics.repeatAgreement(changes) : new double[changes[0][0].length];
            perTarget.put("ceiling." + e.getKey(), ceiling);
            double size = Metrics.median(java.util.Arrays.stream(actual.get(e.getKey())).mapToDouble(Metrics::norm).toArray());
            out.put(e.getKey(), new ValidationResult.Ceiling(repeated ? Metrics.mean(ceiling) : Double.NaN, repeated ? Metrics.mean(agreement) : Double.NaN, size,
                    repeated ? additiveBound(new AdditiveShare(membership, changes)) : null, oneMore.containsKey(e.getKey()) ? oneMore.get(e.getKey()).lds() : null));
        }
        return out;
    }

    /** Per family, one more retraining as the yardstick of every method; none where each subset was retrained once. */
    private Map<String, OneRetraining> oneRetraining(Map<String, double[][][]> retrained) {
        Map<String, OneRetraining> out = new LinkedHashMap<>();
        retrained.forEach((family, changes) -> {
            if (changes.length > 1) { // as the ceiling's "repeated"
                out.put(family, new OneRetraining(changes, config.bootstrap(), config.seed()));
            }
        });
        return out;
    }

    private ValidationResult.AdditiveBound additiveBound(AdditiveShare additive) {
        double[] interval = Metrics.bootstrap(additive.subsets(), config.bootstrap(), config.seed(), additive::share);
        return new ValidationResult.AdditiveBound(additive.share(), interval[0], interval[1]);
    }

    private double[][] membership(List<List<SftPair>> subsets) {
        double[][] out = new double[subsets.size()][pairIndex.size()];
        for (int s = 0; s < subsets.size(); s++) {
            for (SftPair pair : subsets.get(s)) {
                out[s][pairIndex.get(pair.id())] = 1;
            }
        }
        return out;
    }

    /** smda's summed predictions and mean LDS per family, which every other method is compared with; none when smda was not validated. */
    private record Reference(double[][] predicted, double meanLds) {
    }

    private Map<String, Reference> references(Scores smda, Map<String, double[][]> actual, List<List<SftPair>> subsets, double scale) {
        Map<String, Reference> out = new LinkedHashMap<>();
        if (smda != null) {
            for (var e : actual.entrySet()) {
                double[][] predicted = predictions(smda, e.getKey(), subsets, scale);
                if (predicted != null) {
                    out.put(e.getKey(), new Reference(predicted, Metrics.mean(Metrics.lds(predicted, e.getValue(), every(subsets)))));
                }
            }
        }
        return out;
    }

    private static int[] every(List<List<SftPair>> subsets) {
        return java.util.stream.IntStream.range(0, subsets.size()).toArray();
    }

    /** @param actual per family, the retrained change of each target averaged over the repeats, subset by subset */
    private ValidationResult.MethodResult evaluate(AttributionMethod method, Scores scores, Map<String, Reference> smda, Map<String, OneRetraining> oneMore,
            Map<String, double[][]> actual, List<List<SftPair>> subsets, double scale, Map<String, ValidationResult.Ceiling> ceilings,
            Map<String, double[]> perTarget) {
        Map<String, ValidationResult.FamilyScore> families = new LinkedHashMap<>();
        for (var e : actual.entrySet()) {
            String family = e.getKey();
            double[][] predicted = predictions(scores, family, subsets, scale);
            if (predicted == null) {
                continue;
            }
            double[] lds = Metrics.lds(predicted, e.getValue(), every(subsets));
            perTarget.put("lds." + method.name() + "." + family, lds);
            double mean = Metrics.mean(lds);
            double[] interval = Metrics.bootstrapMeanLds(predicted, e.getValue(), config.bootstrap(), config.seed());
            Double sizeRatio = null;
            if (method.inTargetUnits()) {
                double[] ratios = new double[subsets.size()];
                for (int s = 0; s < ratios.length; s++) {
                    ratios[s] = Metrics.norm(predicted[s]) / Metrics.norm(e.getValue()[s]);
                }
                sizeRatio = Metrics.median(ratios);
            }
            double ceiling = ceilings.get(family).ceiling();
            Reference reference = smda.get(family);
            ValidationResult.Difference fromSmda = null;
            if (reference != null) {
                double[] paired = Metrics.bootstrapLdsDifference(predicted, reference.predicted(), e.getValue(), config.bootstrap(), config.seed());
                fromSmda = new ValidationResult.Difference(mean - reference.meanLds(), paired[0], paired[1]);
            }
            OneRetraining retraining = oneMore.get(family);
            families.put(family, new ValidationResult.FamilyScore(mean, interval[0], interval[1], mean / ceiling, sizeRatio, fromSmda,
                    retraining == null ? null : retraining.difference(predicted)));
        }
        return new ValidationResult.MethodResult(method.name(), method.description(), families);
    }

    /** Per subset, the sum of a method's scores of its pairs for one family; null when the method does not score that family. */
    private double[][] predictions(Scores scores, String family, List<List<SftPair>> subsets, double scale) {
        double[][] perPair = scores.of(family);
        return perPair == null ? null : subsets.stream().map(s -> sumOver(perPair, s, scale)).toArray(double[][]::new);
    }

    /** The sum of the scores of a subset's pairs, scaled to the retraining's procedure: its first-order prediction. */
    double[] sumOver(double[][] perPair, List<SftPair> subset, double scale) {
        double[] out = new double[perPair[0].length];
        for (SftPair p : subset) {
            double[] row = perPair[pairIndex.get(p.id())];
            for (int t = 0; t < out.length; t++) {
                out[t] += scale * row[t];
            }
        }
        return out;
    }

    /** The run's flagged gap category (the most clearly refused least), else the harmful category refused least; or the configured one. */
    private String removalCategory(Analysis analysis, List<Probe> probes, Measurement base, List<String> categories) {
        if (config.removalCategory() != null) {
            if (!categories.contains(config.removalCategory())) {
                throw new BadInputException("--removal-category: the probes have no category '" + config.removalCategory() + "' (they have " + categories + ")");
            }
            return config.removalCategory();
        }
        return analysis.gaps().stream().filter(CategoryGap::harmful).min(java.util.Comparator.comparingDouble(CategoryGap::refusalRate))
                .map(CategoryGap::category).orElse(categories.getFirst());
    }

    private void writeMetrics(Map<String, double[]> perTarget) throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter();
        perTarget.forEach((name, values) -> w.addDoubles(name, values, values.length));
        w.write(out.resolve(METRICS));
    }
}
