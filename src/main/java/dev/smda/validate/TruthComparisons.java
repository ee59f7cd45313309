package dev.smda.validate;

import dev.smda.analysis.Analysis;
import dev.smda.analysis.Interference;
import dev.smda.attribution.PairAttribution;
import dev.smda.data.DataSets;
import dev.smda.data.PairTruth;
import dev.smda.data.SftPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Where the pairs come with a planted truth ({@code pairs.truth.jsonl} beside {@code pairs.jsonl},
 * as a generated world writes it): how well each ranking finds the planted interference pairs. SMDA
 * is ranked by the run's own analysis and by each of its criteria; a baseline by the same
 * category criterion applied to its predicted category effects (how far it says a pair pushes the
 * other kind of categories in the direction the pair teaches).
 */
final class TruthComparisons {

    private TruthComparisons() {}

    static List<ValidationResult.InterferenceScore> of(Path pairsFile, ValidationContext ctx, Analysis analysis, Map<String, Scores> scores) throws IOException {
        Path truthFile = truthBeside(pairsFile);
        if (!Files.isRegularFile(truthFile)) {
            return List.of();
        }
        List<PairTruth> truth = DataSets.truth(truthFile);
        Set<String> planted = truth.stream().filter(PairTruth::interference).map(PairTruth::id).collect(Collectors.toSet());
        Set<String> surprises = truth.stream().filter(t -> "surprise".equals(t.kind())).map(PairTruth::id).collect(Collectors.toSet());
        List<ValidationResult.InterferenceScore> out = new ArrayList<>();
        List<Interference.Entry> own = analysis.interference();
        int flagged = (int) own.stream().filter(Interference.Entry::flagged).count();
        out.add(score("smda (the run's analysis)", own.stream().map(Interference.Entry::pair).toList(), planted, surprises, flagged,
                (int) own.stream().filter(e -> e.flagged() && planted.contains(e.pair())).count(),
                (int) own.stream().filter(e -> e.flagged() && surprises.contains(e.pair())).count()));

        List<SftPair> pairs = ctx.pairs;
        List<PairAttribution> attributions = ctx.run.readAttributions();
        double[][] z = ctx.policy.standardization().apply(ctx.base.x());
        List<Interference.IntendedFeatures> intended = Interference.intended(ctx.probes, z, ctx.policy.featureIds(), ctx.policy.featureLabels(),
                ctx.runConfig.intendedThreshold());
        boolean[] categoryHarmful = new boolean[ctx.targets.categories().size()];
        for (int i = 0; i < ctx.probes.size(); i++) {
            categoryHarmful[ctx.targets.probeCategory()[i]] |= ctx.probes.get(i).harmful();
        }
        Interference.Ranking byCategory = Interference.byCategory(ctx.targets.categories(), categoryHarmful, z, ctx.targets.probeCategory(),
                ctx.policy.featureIds(), ctx.policy.featureLabels(), intended, ctx.runConfig.noiseFloor());
        Interference.Ranking byDominant = Interference.byDominantCoefficient(Interference.Pathway.DY, ctx.policy.featureIds(), ctx.policy.featureLabels(),
                intended, ctx.runConfig.noiseFloor());
        for (int k = 0; k < pairs.size(); k++) {
            PairAttribution a = attributions.get(k);
            byCategory.add(pairs.get(k), a.delta(), a.dxPart(), a.dyPart(), a.categoryEffect());
            byDominant.add(pairs.get(k), a.delta(), a.dxPart(), a.dyPart(), a.categoryEffect());
        }
        out.add(scoreEntries("smda, category criterion", byCategory.finish(), planted, surprises));
        out.add(scoreEntries("smda, dominant ΔY coefficient", byDominant.finish(), planted, surprises));
        for (var e : scores.entrySet()) {
            double[][] s = e.getValue().of(Targets.CATEGORIES);
            if (s == null) {
                continue;
            }
            double[] score = Interference.categoryScores(pairs, s, categoryHarmful);
            List<String> ranking = IntStream.range(0, pairs.size()).boxed().sorted(Comparator.comparingDouble(b -> -score[b])).map(b -> pairs.get(b).id()).toList();
            out.add(score(e.getKey() + " scores, category criterion", ranking, planted, surprises, null, null, null));
        }
        return out;
    }

    /** Where a generated world keeps the truth of a pairs file: {@code NAME.truth.jsonl} beside {@code NAME.jsonl}. */
    static Path truthBeside(Path pairsFile) {
        String name = pairsFile.getFileName().toString();
        String stem = name.endsWith(".jsonl") ? name.substring(0, name.length() - ".jsonl".length()) : name;
        return pairsFile.resolveSibling(stem + ".truth.jsonl");
    }

    private static ValidationResult.InterferenceScore scoreEntries(String name, List<Interference.Entry> entries, Set<String> planted, Set<String> surprises) {
        return score(name, entries.stream().map(Interference.Entry::pair).toList(), planted, surprises, (int) entries.stream().filter(Interference.Entry::flagged).count(),
                (int) entries.stream().filter(e -> e.flagged() && planted.contains(e.pair())).count(),
                (int) entries.stream().filter(e -> e.flagged() && surprises.contains(e.pair())).count());
    }

    private static ValidationResult.InterferenceScore score(String name, List<String> ranking, Set<String> planted, Set<String> surprises, Integer flagged,
            Integer flaggedPlanted, Integer surprisesFlagged) {
        int k = planted.size();
        long hits = ranking.stream().limit(k).filter(planted::contains).count();
        int surprisesTop = (int) ranking.stream().limit(k).filter(surprises::contains).count();
        return new ValidationResult.InterferenceScore(name, k, k == 0 ? Double.NaN : hits / (double) k, Metrics.averagePrecision(ranking, planted), surprisesTop,
                flagged, flaggedPlanted, surprisesFlagged);
    }
}
