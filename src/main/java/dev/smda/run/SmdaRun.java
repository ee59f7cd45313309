package dev.smda.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smda.analysis.Analysis;
import dev.smda.analysis.CategoryGaps;
import dev.smda.analysis.Curation;
import dev.smda.analysis.CurationResult;
import dev.smda.analysis.GroupComparison;
import dev.smda.analysis.Interference;
import dev.smda.analysis.PairSummary;
import dev.smda.attribution.PairAttribution;
import dev.smda.attribution.PairEffect;
import dev.smda.attribution.PairEffects;
import dev.smda.data.DataSets;
import dev.smda.execute.Executor;
import dev.smda.execute.Job;
import dev.smda.data.Probe;
import dev.smda.data.SftPair;
import dev.smda.io.BadInputException;
import dev.smda.io.Json;
import dev.smda.io.SafeTensorsWriter;
import dev.smda.lm.LanguageModel;
import dev.smda.measure.Measurement;
import dev.smda.measure.ProbeMeasurer;
import dev.smda.measure.ProbeTokens;
import dev.smda.measure.RefusalOpenings;
import dev.smda.policy.Ridge;
import dev.smda.policy.RidgeFit;
import dev.smda.policy.PolicyText;
import dev.smda.progress.Progress;
import dev.smda.sae.FeatureAtlas;
import dev.smda.sae.Sae;
import dev.smda.train.SftExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * One SMDA run: measure the base model on the probes, fit the symbolic policy, apply each pair's
 * update and re-measure, decompose every policy change, and analyse. Per-pair results are written
 * as each pair finishes, so an interrupted run resumes where it stopped; everything derived from
 * them is recomputed at the end.
 */
public final class SmdaRun {

    /** What a finished run reports. */
    public record Result(RunDirectory directory, RunConfig config, RidgeFit policy, Analysis analysis, int pairsComputed, double seconds) {}

    private final RunConfig config;
    private final RunInputs inputs;
    private final RunDirectory dir;
    private final Progress.Factory progress;
    private final Executor.Choice where;
    /** Seconds per phase, in order (see {@link RunManifest#timings}). */
    private final Map<String, Double> timings = new LinkedHashMap<>();
    private long phaseStart;

    public SmdaRun(RunConfig config, RunInputs inputs, Path out, Progress.Factory progress) {
        this(config, inputs, out, progress, Executor.Choice.IN_PROCESS);
    }

    /** @param where where the pairs are estimated (the results do not depend on it) */
    public SmdaRun(RunConfig config, RunInputs inputs, Path out, Progress.Factory progress, Executor.Choice where) {
        this.config = config.checked();
        this.inputs = inputs;
        this.dir = new RunDirectory(out);
        this.progress = progress;
        this.where = where;
    }

    private void phase(String name) {
        long now = System.nanoTime();
        timings.put(name, (now - phaseStart) / 1e9);
        phaseStart = now;
    }

    public Result execute(boolean resume) throws IOException {
        long start = System.nanoTime();
        phaseStart = start;
        List<Probe> probes = DataSets.probes(inputs.probes());
        List<SftPair> pairs = DataSets.pairs(inputs.pairs());
        DataSets.checkPairCategories(inputs.pairs(), pairs, probes);
        checkBothKinds(probes);
        RunManifest manifest = startManifest(probes.size(), pairs.size(), resume);
        try (OpenedModel opened = OpenedModel.open(inputs.model(), inputs.sae(), config)) {
            LanguageModel lm = opened.lm();
            Sae sae = opened.sae();
            sae.checkFits(lm.model().config(), inputs.sae().toString());
            FeatureAtlas atlas = FeatureAtlas.besideSae(inputs.sae());
            RefusalOpenings openings = RefusalOpenings.of(lm.tokenizer(), config.refusalOpenings());
            List<ProbeTokens> tokens = InputLengths.check(lm, probes, pairs, openings, config.maxLength(), inputs);
            ProbeMeasurer everything = new ProbeMeasurer(tokens, openings, config.behaviour(), config.pooling(), sae, null, config.batchSize(),
                    config.encoding());
            Measurement full = everything.measure(lm.model());
            checkFinite(full);
            int[] ids = FeatureSelection.select(config, full.x(), probes);
            if (ids.length == 0) {
                throw new BadInputException("no SAE feature passes the " + config.selection().name().toLowerCase() + " selection (threshold "
                        + config.selectionThreshold() + ") on these probes");
            }
            ProbeMeasurer measurer = everything.withFeatures(ids);
            Measurement base = FeatureSelection.restrict(full, ids);
            if (EstimatorRecipe.frozen(config)) {
                base = measurer.measureWithGates(lm.model());
                measurer = measurer.frozenAt(base);
            }
            List<String> labels = labels(atlas, ids);
            RidgeFit policy = Ridge.fit(base.x(), base.y(), ids, labels, config.ridgeOptions());
            createRun(manifest);
            writeBase(base, policy);
            manifest = withFeatures(manifest, ids.length);
            phase("open, measure, fit the policy");

            List<String> categories = probes.stream().map(Probe::category).distinct().toList();
            int[] category = probes.stream().mapToInt(p -> categories.indexOf(p.category())).toArray();
            EstimatorRecipe recipe = new EstimatorRecipe(config, inputs, probes, base, policy, category, categories.size());
            int computed;
            try (Executor executor = Executor.of(where)) {
                Job<PairSlice, PairSlice.Result> job = new Job<>(SliceWorker.Factory.class, recipe.toJson(), () -> new SliceWorker(recipe, lm, sae, progress));
                computed = estimateAll(executor, job, recipe, pairs, categories);
                phase(RunManifest.ESTIMATION);
                timings.putAll(executor.timings());
            }
            PairAnalysis streamed = analysePairs(probes, pairs, base, policy, categories);
            CurationResult curation = null;
            if (config.curation() != null) {
                double[] scores = streamed.summaries().stream().mapToDouble(PairSummary::firstOrderScore).toArray();
                RunConfig.Curation c = config.curation();
                curation = Curation.run(lm, pairs, scores, probes, measurer, pair -> new SftExample(PairEffects.example(lm, pair, config.maxLength()).tokens(), 1), c.epochs(),
                        c.learningRate(), c.batchSize(), c.maxGradNorm(), config.seed(), progress);
            }
            Analysis analysis = new Analysis(CategoryGaps.analyse(probes, base.refusalProbability(), base.x(), policy, config.behaviour()), streamed.groups(),
                    streamed.intended(), streamed.interference(), streamed.summaries(), curation);
            Json.write(dir.file(RunDirectory.ANALYSIS), analysis);
            phase("analyse");
            double seconds = (System.nanoTime() - start) / 1e9;
            finishManifest(manifest, seconds);
            return new Result(dir, config, policy, analysis, computed, seconds);
        }
    }

    /** Pairs per chunk of the attribution files: the gradient estimator's unit of work and of resuming. */
    static int chunkSize(RunConfig config) {
        return config.estimator() == RunConfig.Estimator.GRADIENT ? 1024 : 256;
    }

    /**
     * Whether chunk {@code c} is finished: its file intact and, for the exact estimator, every pair's
     * measured effect too, and the features it was refitted at where not the base's.
     */
    private boolean chunkDone(int c, List<SftPair> pairs, int size) {
        if (!dir.hasChunk(c) || config.refitAt() == RunConfig.RefitPoint.SPAN_MIDDLE && !dir.hasRefit()) {
            return false;
        }
        return config.estimator() != RunConfig.Estimator.EXACT
                || pairs.subList(c * size, Math.min(pairs.size(), (c + 1) * size)).stream().allMatch(p -> dir.hasPair(p.id()));
    }

    /** Hands every pair of an unfinished chunk to the executor and writes what comes back; returns how many pairs it computed. */
    private int estimateAll(Executor executor, Job<PairSlice, PairSlice.Result> job, EstimatorRecipe recipe, List<SftPair> pairs, List<String> categories)
            throws IOException {
        boolean exact = config.estimator() == RunConfig.Estimator.EXACT;
        int size = chunkSize(config);
        long before = 0;
        List<Integer> unfinished = new ArrayList<>();
        int pending = 0;
        for (int c = 0; c * size < pairs.size(); c++) {
            List<SftPair> chunk = chunk(pairs, c);
            if (chunkDone(c, pairs, size)) {
                before += chunk.size();
            } else {
                unfinished.add(c);
                pending += chunk.size();
                if (exact) {
                    before += chunk.stream().filter(p -> dir.hasPair(p.id())).count();
                }
            }
        }
        int sliceSize = sliceSize(executor, pending);
        List<PairSlice> slices = new ArrayList<>();
        Map<Integer, PairAttribution[]> chunks = new LinkedHashMap<>();
        Map<Integer, Integer> missing = new LinkedHashMap<>();
        for (int c : unfinished) {
            List<SftPair> chunk = chunk(pairs, c);
            chunks.put(c, new PairAttribution[chunk.size()]);
            missing.put(c, chunk.size());
            for (int s = 0; s < chunk.size(); s += sliceSize) {
                List<SftPair> part = chunk.subList(s, Math.min(chunk.size(), s + sliceSize));
                List<PairEffect> measured = new ArrayList<>();
                if (exact) {
                    for (SftPair p : part) {
                        if (dir.hasPair(p.id())) {
                            measured.add(dir.readPair(p.id()));
                        }
                    }
                }
                slices.add(new PairSlice(c, s, List.copyOf(part), measured));
            }
        }
        if (slices.isEmpty()) {
            return 0;
        }
        long start = before;
        Progress[] bar = new Progress[1];
        long[] done = {before};
        boolean[] refitWritten = {false};
        try {
            executor.run(job, slices, new Executor.Listener<>() {
                @Override
                public void prepared() {
                    phase("prepare the estimator");
                    bar[0] = progress.start("pairs", pairs.size(), "pairs", start);
                }

                @Override
                public void finished(int index, PairSlice.Result result) throws IOException {
                    PairSlice slice = slices.get(index);
                    if (result.refitFeatures() != null && !refitWritten[0]) {
                        dir.writeRefit(result.refitFeatures(), recipe.policy().featureIds()); // before any chunk that was refitted there
                        refitWritten[0] = true;
                    }
                    for (PairEffect e : result.measured()) {
                        dir.writePair(e);
                    }
                    PairAttribution[] chunk = chunks.get(slice.chunk());
                    for (int k = 0; k < slice.pairs().size(); k++) {
                        chunk[slice.offset() + k] = result.attributions().get(k);
                    }
                    done[0] += exact ? result.measured().size() : slice.pairs().size();
                    bar[0].stepTo(done[0], slice.pairs().getLast().id());
                    if (missing.merge(slice.chunk(), -slice.pairs().size(), Integer::sum) == 0) {
                        dir.writeChunk(slice.chunk(), List.of(chunks.remove(slice.chunk())), recipe.policy().featureIds(), categories,
                                config.estimator().name().toLowerCase(java.util.Locale.ROOT));
                    }
                }
            });
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
        }
        return (int) (done[0] - before);
    }

    /** Pairs the gradient estimator takes through one backward pass (on the embedded world, 2 cores: 16.3, 15.3 and 21.4 ms per pair at 32, 64 and 128). */
    private static final int GRADIENT_BATCH = 64;

    /**
     * Pairs per slice: as many as the executor wants tasks (in-process, one pair for the exact
     * estimator, whose effect is written before the next starts), in whole backward-pass batches.
     */
    private int sliceSize(Executor executor, int pending) {
        int batch = config.estimator() == RunConfig.Estimator.GRADIENT ? GRADIENT_BATCH : 1;
        int size = (int) Math.ceil(pending / (double) Math.max(1, executor.tasksFor(pending)));
        return Math.max(batch, (size + batch - 1) / batch * batch);
    }

    private List<SftPair> chunk(List<SftPair> pairs, int c) {
        int size = chunkSize(config);
        return pairs.subList(c * size, Math.min(pairs.size(), (c + 1) * size));
    }

    private static void checkBothKinds(List<Probe> probes) {
        if (probes.stream().noneMatch(Probe::harmful) || probes.stream().allMatch(Probe::harmful)) {
            throw new BadInputException("the probes must include harmful and harmless prompts (field 'harmful')");
        }
    }

    private RunManifest startManifest(int probes, int pairs, boolean resume) throws IOException {
        RunManifest manifest = RunManifest.starting(config, inputs, probes, pairs);
        Path file = dir.file(RunDirectory.MANIFEST);
        if (Files.exists(file)) {
            RunManifest previous = dir.readManifest();
            if (!resume) {
                throw new BadInputException(dir.root() + ": already holds a run; continue it with --resume, or choose another --out");
            }
            if (!previous.sameRunAs(manifest)) {
                throw new BadInputException(file + ": the run there used other " + difference(previous, manifest) + "; resume only with the same inputs and settings");
            }
            return new RunManifest(config, manifest.inputs(), manifest.versions(), probes, pairs, 0, previous.started(), null, 0, Map.of());
        }
        if (Files.isDirectory(dir.root()) && Files.list(dir.root()).findAny().isPresent()) {
            throw new BadInputException(dir.root() + ": not empty and not a run directory; choose another --out");
        }
        return manifest;
    }

    /** Makes the run directory (only once every input has been checked), or cleans a resumed one. */
    private void createRun(RunManifest manifest) throws IOException {
        Files.createDirectories(dir.root().resolve(RunDirectory.PAIRS));
        dir.removeUnfinished();
        Json.write(dir.file(RunDirectory.MANIFEST), manifest);
    }

    private static String difference(RunManifest a, RunManifest b) {
        List<String> what = new ArrayList<>();
        if (!a.config().equals(b.config())) {
            what.add("settings");
        }
        for (String k : b.inputs().keySet()) {
            if (!b.inputs().get(k).equals(a.inputs().get(k))) {
                what.add(k + " (" + b.inputs().get(k).path() + ")");
            }
        }
        return String.join(", ", what);
    }

    private RunManifest withFeatures(RunManifest m, int features) throws IOException {
        RunManifest next = new RunManifest(m.config(), m.inputs(), m.versions(), m.probes(), m.pairs(), features, m.started(), null, 0, Map.of());
        Json.write(dir.file(RunDirectory.MANIFEST), next);
        return next;
    }

    private void finishManifest(RunManifest m, double seconds) throws IOException {
        Json.write(dir.file(RunDirectory.MANIFEST), new RunManifest(m.config(), m.inputs(), m.versions(), m.probes(), m.pairs(), m.features(),
                m.started(), Instant.now().toString(), seconds, timings));
    }

    private static void checkFinite(Measurement m) {
        for (int i = 0; i < m.probes(); i++) {
            if (!Double.isFinite(m.y()[i])) {
                throw new BadInputException("probe " + (i + 1) + ": the behaviour is not finite (" + m.y()[i] + "); the model's outputs contain NaN or infinity");
            }
            for (double v : m.x()[i]) {
                if (!Double.isFinite(v)) {
                    throw new BadInputException("probe " + (i + 1) + ": an SAE feature is not finite; the model's activations contain NaN or infinity");
                }
            }
        }
    }

    private static List<String> labels(FeatureAtlas atlas, int[] ids) {
        Map<Integer, FeatureAtlas.Feature> byId = atlas == null ? Map.of() : atlas.byId();
        List<String> labels = new ArrayList<>();
        for (int id : ids) {
            FeatureAtlas.Feature f = byId.get(id);
            labels.add(f == null ? "" : f.label());
        }
        return labels;
    }

    private void writeBase(Measurement base, RidgeFit policy) throws IOException {
        int n = base.probes();
        int p = base.featureIds().length;
        String behaviour = config.behaviour().name().toLowerCase(java.util.Locale.ROOT);
        new SafeTensorsWriter().metadata("behaviour", behaviour)
                .addMatrix("X", base.x(), p).addDoubles("y", base.y(), n).addDoubles("refusal_probability", base.refusalProbability(), n)
                .addLongs("feature_ids", IntStream.of(base.featureIds()).asLongStream().toArray(), p).write(dir.file(RunDirectory.BASE));
        ObjectNode json = (ObjectNode) Json.MAPPER.valueToTree(policy);
        json.put("behaviour", behaviour);
        json.put("text", PolicyText.describe(policy, behaviour, 12));
        Json.write(dir.file(RunDirectory.POLICY), json);
    }

    /** What the pairs amount to: one summary each, harmful against harmless per feature, and the interference ranking. */
    private record PairAnalysis(List<PairSummary> summaries, List<GroupComparison.FeatureGroups> groups, List<Interference.IntendedFeatures> intended,
            List<Interference.Entry> interference) {}

    /** Reads the attribution chunk by chunk; what is kept per pair is a summary and an interference entry. */
    private PairAnalysis analysePairs(List<Probe> probes, List<SftPair> pairs, Measurement base, RidgeFit policy, List<String> categories) throws IOException {
        double[][] z = policy.standardization().apply(base.x());
        List<Interference.IntendedFeatures> intended = Interference.intended(probes, z, policy.featureIds(), policy.featureLabels(), config.intendedThreshold());
        Interference.Ranking ranking = switch (config.interference()) {
            case CATEGORY -> {
                boolean[] categoryHarmful = new boolean[categories.size()];
                int[] probeCategory = new int[probes.size()];
                for (int i = 0; i < probes.size(); i++) {
                    probeCategory[i] = categories.indexOf(probes.get(i).category());
                    categoryHarmful[probeCategory[i]] |= probes.get(i).harmful();
                }
                yield Interference.byCategory(categories, categoryHarmful, z, probeCategory, policy.featureIds(), policy.featureLabels(), intended,
                        config.noiseFloor());
            }
            case DY -> Interference.byDominantCoefficient(Interference.Pathway.DY, policy.featureIds(), policy.featureLabels(), intended, config.noiseFloor());
            case DX -> Interference.byDominantCoefficient(Interference.Pathway.DX, policy.featureIds(), policy.featureLabels(), intended, config.noiseFloor());
            case TOTAL -> Interference.byDominantCoefficient(Interference.Pathway.TOTAL, policy.featureIds(), policy.featureLabels(), intended,
                    config.noiseFloor());
        };
        GroupComparison groups = new GroupComparison(policy.features(), config.bootstrapSamples(), config.seed());
        List<PairSummary> summaries = new ArrayList<>();
        int size = chunkSize(config);
        for (int c = 0; c * size < pairs.size(); c++) {
            List<SftPair> chunk = pairs.subList(c * size, Math.min(pairs.size(), (c + 1) * size));
            List<PairAttribution> attributions = dir.readChunk(c, chunk.stream().map(SftPair::id).toList());
            for (int k = 0; k < chunk.size(); k++) {
                SftPair pair = chunk.get(k);
                PairAttribution a = attributions.get(k);
                summaries.add(summary(pair, a, policy));
                groups.add(c * size + k, pair.harmful(), a.dxPart(), a.dyPart());
                ranking.add(pair, a.delta(), a.dxPart(), a.dyPart(), a.categoryEffect());
            }
        }
        List<GroupComparison.FeatureGroups> comparison = groups.hasBothGroups() ? groups.finish(policy.featureIds(), policy.featureLabels()) : List.of();
        return new PairAnalysis(summaries, comparison, intended, ranking.finish());
    }

    private static PairSummary summary(SftPair pair, PairAttribution a, RidgeFit policy) {
        double total = 0;
        double dxMass = 0;
        double dyMass = 0;
        for (int j = 0; j < a.delta().length; j++) {
            total += Math.abs(a.delta()[j]);
            dxMass += Math.abs(a.dxPart()[j]);
            dyMass += Math.abs(a.dyPart()[j]);
        }
        return new PairSummary(pair.id(), pair.category(), pair.harmful(), a.baseLoss(), a.meanDy(), total, dxMass / Math.max(1e-300, dxMass + dyMass),
                dyMass / Math.max(1e-300, dxMass + dyMass), dot(a.delta(), policy.coef()), a.score(policy.coef()));
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }

}
