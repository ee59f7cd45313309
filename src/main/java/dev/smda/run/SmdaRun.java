package dev.smda.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smda.SmdaVersion;
import dev.smda.analysis.Analysis;
import dev.smda.analysis.CategoryGap;
import dev.smda.analysis.CategoryGaps;
import dev.smda.analysis.Curation;
import dev.smda.analysis.CurationResult;
import dev.smda.analysis.GroupComparison;
import dev.smda.analysis.Interference;
import dev.smda.analysis.PairSummary;
import dev.smda.attribution.Decomposition;
import dev.smda.attribution.PairEffect;
import dev.smda.attribution.PairEffects;
import dev.smda.attribution.PolicyDecomposition;
import dev.smda.data.DataSets;
import dev.smda.data.Probe;
import dev.smda.data.SftPair;
import dev.smda.io.AtomicFiles;
import dev.smda.io.BadInputException;
import dev.smda.io.Json;
import dev.smda.io.SafeTensorsWriter;
import dev.smda.lm.LanguageModel;
import dev.smda.lm.Models;
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
import dev.smda.sae.SaeFiles;
import dev.smda.tensor.Torch;
import dev.smda.train.SftExample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
    public record Result(RunDirectory directory, RidgeFit policy, Analysis analysis, int pairsComputed, double seconds) {}

    private final RunConfig config;
    private final RunInputs inputs;
    private final RunDirectory dir;
    private final Progress.Factory progress;

    public SmdaRun(RunConfig config, RunInputs inputs, Path out, Progress.Factory progress) {
        this.config = config;
        this.inputs = inputs;
        this.dir = new RunDirectory(out);
        this.progress = progress;
    }

    public Result execute(boolean resume) throws IOException {
        long start = System.nanoTime();
        List<Probe> probes = DataSets.probes(inputs.probes());
        List<SftPair> pairs = DataSets.pairs(inputs.pairs());
        DataSets.checkPairCategories(inputs.pairs(), pairs, probes);
        checkBothKinds(probes);
        RunManifest manifest = startManifest(probes.size(), pairs.size(), resume);
        try (LanguageModel opened = Models.open(inputs.model(), Models.dtype(config.dtype()));
                Sae sae = SaeFiles.load(inputs.sae(), Models.dtype(config.dtype()), null)) {
            LanguageModel lm = opened.withChatDate(config.chatDate());
            sae.checkFits(lm.model().config(), inputs.sae().toString());
            FeatureAtlas atlas = FeatureAtlas.besideSae(inputs.sae());
            List<ProbeTokens> tokens = probes.stream().map(p -> ProbeTokens.of(lm.tokenizer(), lm.chat(), p.prompt())).toList();
            RefusalOpenings openings = RefusalOpenings.of(lm.tokenizer(), config.refusalOpenings());
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
            if (config.featureChange() == RunConfig.FeatureChange.LINEARIZED) {
                base = measurer.measureWithGates(lm.model());
                measurer = measurer.frozenAt(base);
            }
            List<String> labels = labels(atlas, ids);
            RidgeFit policy = Ridge.fit(base.x(), base.y(), ids, labels, config.ridgeOptions());
            writeBase(base, policy);
            manifest = withFeatures(manifest, ids.length);

            PairEffects effects = new PairEffects(lm, measurer, base, config.update().toSftConfig(config.seed()));
            int computed = 0;
            long done = pairs.stream().filter(p -> dir.hasPair(p.id())).count();
            try (Progress bar = progress.start("pairs", pairs.size(), "pairs", done)) {
                for (SftPair pair : pairs) {
                    if (dir.hasPair(pair.id())) {
                        continue;
                    }
                    PairEffect effect = effects.measure(pair);
                    checkFinite(effect);
                    dir.writePair(effect);
                    computed++;
                    bar.stepTo(++done, pair.id());
                }
            }

            List<PairEffect> allEffects = new ArrayList<>();
            for (SftPair pair : pairs) {
                allEffects.add(dir.readPair(pair.id()));
            }
            List<Decomposition> decompositions = decompose(policy, base, allEffects);
            writeAttribution(pairs, policy, decompositions);
            CurationResult curation = null;
            if (config.curation() != null) {
                double[] scores = decompositions.stream().mapToDouble(d -> score(d.firstOrderDelta(), policy.coef())).toArray();
                RunConfig.Curation c = config.curation();
                curation = Curation.run(lm, pairs, scores, probes, measurer, pair -> new SftExample(PairEffects.example(lm, pair).tokens(), 1), c.epochs(),
                        c.learningRate(), c.batchSize(), c.maxGradNorm(), config.seed(), progress);
            }
            Analysis analysis = analyse(probes, pairs, base, policy, allEffects, decompositions, curation);
            Json.write(dir.file(RunDirectory.ANALYSIS), analysis);
            double seconds = (System.nanoTime() - start) / 1e9;
            finishManifest(manifest, seconds);
            return new Result(dir, policy, analysis, computed, seconds);
        }
    }

    private static void checkBothKinds(List<Probe> probes) {
        if (probes.stream().noneMatch(Probe::harmful) || probes.stream().allMatch(Probe::harmful)) {
            throw new BadInputException("the probes must include harmful and harmless prompts (field 'harmful')");
        }
    }

    private RunManifest startManifest(int probes, int pairs, boolean resume) throws IOException {
        Map<String, InputFingerprint> fingerprints = new LinkedHashMap<>();
        fingerprints.put("model", InputFingerprint.of(inputs.model()));
        fingerprints.put("sae", InputFingerprint.of(inputs.sae()));
        fingerprints.put("probes", InputFingerprint.of(inputs.probes()));
        fingerprints.put("pairs", InputFingerprint.of(inputs.pairs()));
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("smda", SmdaVersion.get());
        versions.put("java", Runtime.version().toString());
        versions.put("engine", "DJL PyTorch " + Torch.version());
        RunManifest manifest = new RunManifest(config, fingerprints, versions, probes, pairs, 0, Instant.now().toString(), null, 0);
        Path file = dir.file(RunDirectory.MANIFEST);
        if (Files.exists(file)) {
            RunManifest previous = Json.MAPPER.treeToValue(Json.read(file), RunManifest.class);
            if (!resume) {
                throw new BadInputException(dir.root() + ": already holds a run; continue it with --resume, or choose another --out");
            }
            if (!previous.sameRunAs(manifest)) {
                throw new BadInputException(file + ": the run there used other " + difference(previous, manifest) + "; resume only with the same inputs and settings");
            }
            return new RunManifest(config, fingerprints, versions, probes, pairs, 0, previous.started(), null, 0);
        }
        if (Files.isDirectory(dir.root()) && Files.list(dir.root()).findAny().isPresent()) {
            throw new BadInputException(dir.root() + ": not empty and not a run directory; choose another --out");
        }
        Files.createDirectories(dir.root().resolve(RunDirectory.PAIRS));
        Json.write(file, manifest);
        return manifest;
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
        RunManifest next = new RunManifest(m.config(), m.inputs(), m.versions(), m.probes(), m.pairs(), features, m.started(), null, 0);
        Json.write(dir.file(RunDirectory.MANIFEST), next);
        return next;
    }

    private void finishManifest(RunManifest m, double seconds) throws IOException {
        Json.write(dir.file(RunDirectory.MANIFEST), new RunManifest(m.config(), m.inputs(), m.versions(), m.probes(), m.pairs(), m.features(),
                m.started(), Instant.now().toString(), seconds));
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

    private static void checkFinite(PairEffect e) {
        for (int i = 0; i < e.dy().length; i++) {
            if (!Double.isFinite(e.dy()[i]) || java.util.Arrays.stream(e.dx()[i]).anyMatch(v -> !Double.isFinite(v))) {
                throw new IllegalStateException("pair " + e.pairId() + ": the update made the model's outputs non-finite (learning rate too high?)");
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
        double[] flat = new double[n * p];
        for (int i = 0; i < n; i++) {
            System.arraycopy(base.x()[i], 0, flat, i * p, p);
        }
        String behaviour = config.behaviour().name().toLowerCase(java.util.Locale.ROOT);
        new SafeTensorsWriter().metadata("behaviour", behaviour)
                .addDoubles("X", flat, n, p).addDoubles("y", base.y(), n).addDoubles("refusal_probability", base.refusalProbability(), n)
                .addLongs("feature_ids", IntStream.of(base.featureIds()).asLongStream().toArray(), p).write(dir.file(RunDirectory.BASE));
        ObjectNode json = (ObjectNode) Json.MAPPER.valueToTree(policy);
        json.put("behaviour", behaviour);
        json.put("text", PolicyText.describe(policy, behaviour, 12));
        Json.write(dir.file(RunDirectory.POLICY), json);
    }

    private static List<Decomposition> decompose(RidgeFit policy, Measurement base, List<PairEffect> effects) {
        PolicyDecomposition decomposition = new PolicyDecomposition(policy, base.x(), base.y());
        return effects.stream().map(e -> decomposition.decompose(e.dx(), e.dy())).toList();
    }

    private void writeAttribution(List<SftPair> pairs, RidgeFit policy, List<Decomposition> decompositions) throws IOException {
        AtomicFiles.write(dir.file(RunDirectory.ATTRIBUTION), out -> {
            for (int k = 0; k < pairs.size(); k++) {
                Decomposition d = decompositions.get(k);
                double[] first = d.firstOrderDelta();
                for (int j = 0; j < policy.features(); j++) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("pair", pairs.get(k).id());
                    line.put("feature", policy.featureIds()[j]);
                    line.put("delta", d.delta()[j]);
                    line.put("dx_part", d.dxPart()[j]);
                    line.put("dy_part", d.dyPart()[j]);
                    line.put("residual", d.residual()[j]);
                    line.put("collinearity", d.collinearity()[j]);
                    line.put("output", d.output()[j]);
                    line.put("first_order", first[j]);
                    line.put("alignment", d.delta()[j] * policy.coef()[j]);
                    out.write((Json.compact(line) + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
        });
    }

    static double score(double[] change, double[] coef) {
        double s = 0;
        for (int j = 0; j < coef.length; j++) {
            s += change[j] * coef[j];
        }
        return s;
    }

    private Analysis analyse(List<Probe> probes, List<SftPair> pairs, Measurement base, RidgeFit policy, List<PairEffect> effects,
            List<Decomposition> decompositions, CurationResult curation) {
        List<CategoryGap> gaps = CategoryGaps.analyse(probes, base.refusalProbability(), base.x(), policy, config.behaviour());
        int n = pairs.size();
        double[][] dxParts = new double[n][];
        double[][] dyParts = new double[n][];
        double[][] changes = new double[n][];
        boolean[] harmful = new boolean[n];
        List<PairSummary> summaries = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Decomposition d = decompositions.get(k);
            dxParts[k] = d.dxPart();
            dyParts[k] = d.dyPart();
            changes[k] = d.delta();
            harmful[k] = pairs.get(k).harmful();
            double total = 0;
            double dxMass = 0;
            double dyMass = 0;
            for (int j = 0; j < d.delta().length; j++) {
                total += Math.abs(d.delta()[j]);
                dxMass += Math.abs(d.dxPart()[j]);
                dyMass += Math.abs(d.dyPart()[j]);
            }
            double meanDy = java.util.Arrays.stream(effects.get(k).dy()).average().orElse(0);
            SftPair pair = pairs.get(k);
            summaries.add(new PairSummary(pair.id(), pair.category(), pair.harmful(), effects.get(k).baseLoss(), meanDy, total,
                    dxMass / Math.max(1e-300, dxMass + dyMass), dyMass / Math.max(1e-300, dxMass + dyMass), score(d.delta(), policy.coef()),
                    score(d.firstOrderDelta(), policy.coef())));
        }
        List<GroupComparison.FeatureGroups> groups = harmfulAndHarmless(harmful)
                ? GroupComparison.compare(dxParts, dyParts, harmful, policy.featureIds(), policy.featureLabels(), config.bootstrapSamples(), config.seed())
                : List.of();
        double[][] z = policy.standardization().apply(base.x());
        List<Interference.IntendedFeatures> intended = Interference.intended(probes, z, policy.featureIds(), policy.featureLabels(), config.intendedThreshold());
        double[][] pathway = switch (config.interferencePathway()) {
            case DY -> dyParts;
            case DX -> dxParts;
            case TOTAL -> changes;
        };
        List<Interference.Entry> interference = Interference.rank(pairs, pathway, policy.featureIds(), policy.featureLabels(), intended);
        return new Analysis(gaps, groups, intended, interference, summaries, curation);
    }

    private static boolean harmfulAndHarmless(boolean[] harmful) {
        boolean any = false;
        boolean all = true;
        for (boolean h : harmful) {
            any |= h;
            all &= h;
        }
        return any && !all;
    }
}
