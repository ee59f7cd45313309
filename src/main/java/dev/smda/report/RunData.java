package dev.smda.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smda.analysis.Analysis;
import dev.smda.analysis.PairSummary;
import dev.smda.attribution.PairAttribution;
import dev.smda.data.DataSets;
import dev.smda.data.Probe;
import dev.smda.data.SftPair;
import dev.smda.io.BadInputException;
import dev.smda.io.Json;
import dev.smda.io.SafeTensorsFile;
import dev.smda.policy.RidgeFit;
import dev.smda.run.RunDirectory;
import dev.smda.run.RunManifest;
import dev.smda.sae.FeatureAtlas;
import dev.smda.validate.CoefficientFidelity;
import dev.smda.validate.Validation;
import dev.smda.validate.ValidationResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Everything a report shows, read from a run directory (and, where they still are where run.json
 * says, the probes, pairs and the SAE's features.json, for texts and feature explanations).
 */
final class RunData {

    /** The three per-pair views of a policy change. */
    static final List<String> PATHWAYS = List.of("delta", "dx_part", "dy_part");

    final Path dir;
    final RunManifest manifest;
    final RidgeFit policy;
    final String policyText;
    final Analysis analysis;
    final double[] refusalProbability;
    final List<Probe> probes;
    final Map<String, SftPair> pairs;
    final FeatureAtlas atlas;
    /** Policy columns of the features the heatmap shows, largest coefficients first. */
    final int[] topColumns;
    /** The pairs the heatmap shows (all, up to {@link #HEATMAP_PAIRS}; else those with the largest policy changes), in run order. */
    final List<PairSummary> heatmapPairs;
    /** Per pathway: the heatmap's pairs x top features. */
    final Map<String, double[][]> pathwayValues;
    /** The run's validation ({@code validation/validation.json}), when there is one. */
    final ValidationResult validation;
    /** How well that validation found each coefficient's attribution to hold, when it scored smda. */
    final CoefficientFidelity coefficientFidelity;

    private RunData(Path dir, RunManifest manifest, RidgeFit policy, String policyText, Analysis analysis, double[] refusalProbability, List<Probe> probes,
            Map<String, SftPair> pairs, FeatureAtlas atlas, int[] topColumns, List<PairSummary> heatmapPairs, Map<String, double[][]> pathwayValues,
            ValidationResult validation, CoefficientFidelity coefficientFidelity) {
        this.validation = validation;
        this.coefficientFidelity = coefficientFidelity;
        this.heatmapPairs = heatmapPairs;
        this.dir = dir;
        this.manifest = manifest;
        this.policy = policy;
        this.policyText = policyText;
        this.analysis = analysis;
        this.refusalProbability = refusalProbability;
        this.probes = probes;
        this.pairs = pairs;
        this.atlas = atlas;
        this.topColumns = topColumns;
        this.pathwayValues = pathwayValues;
    }

    static RunData load(Path dir, int topFeatures) throws IOException {
        RunDirectory run = new RunDirectory(dir);
        for (String f : List.of(RunDirectory.MANIFEST, RunDirectory.POLICY, RunDirectory.ANALYSIS, RunDirectory.BASE)) {
            if (!Files.isRegularFile(run.file(f))) {
                throw new BadInputException(dir + ": no " + f + " (not a finished run directory)");
            }
        }
        RunManifest manifest = run.readManifest();
        JsonNode policyJson = Json.read(run.file(RunDirectory.POLICY));
        RidgeFit policy = Json.MAPPER.treeToValue(policyJson, RidgeFit.class);
        Analysis analysis = Json.MAPPER.treeToValue(Json.read(run.file(RunDirectory.ANALYSIS)), Analysis.class);
        double[] p;
        try (SafeTensorsFile base = SafeTensorsFile.open(run.file(RunDirectory.BASE))) {
            p = base.doubles("refusal_probability");
        }
        List<Probe> probes = readIfPresent(manifest, "probes", DataSets::probes);
        List<SftPair> pairList = readIfPresent(manifest, "pairs", DataSets::pairs);
        Map<String, SftPair> pairs = new LinkedHashMap<>();
        if (pairList != null) {
            pairList.forEach(x -> pairs.put(x.id(), x));
        }
        FeatureAtlas atlas = null;
        var sae = manifest.inputs().get("sae");
        if (sae != null && Files.isRegularFile(Path.of(sae.path()).resolve(FeatureAtlas.FILE))) {
            atlas = FeatureAtlas.besideSae(Path.of(sae.path()));
        }
        int[] top = IntStream.range(0, policy.features()).boxed().sorted(Comparator.comparingDouble(j -> -Math.abs(policy.coef()[j])))
                .limit(topFeatures).mapToInt(Integer::intValue).toArray();
        List<PairSummary> shown = heatmapPairs(analysis);
        return new RunData(dir, manifest, policy, policyJson.path("text").asText(""), analysis, p, probes, pairs, atlas, top, shown,
                pathwayValues(run, shown, top), validation(dir), CoefficientFidelity.of(dir, Validation.defaultOut(dir)));
    }

    private static ValidationResult validation(Path dir) throws IOException {
        Path file = Validation.defaultOut(dir).resolve("validation.json");
        return Files.isRegularFile(file) ? Json.MAPPER.treeToValue(Json.read(file), ValidationResult.class) : null;
    }

    private interface Reader<T> {
        T read(Path p) throws IOException;
    }

    /** Reads an input the run used, if it is still there (a moved file only costs the report its texts). */
    private static <T> T readIfPresent(RunManifest manifest, String key, Reader<T> reader) throws IOException {
        var input = manifest.inputs().get(key);
        return input != null && Files.isRegularFile(Path.of(input.path())) ? reader.read(Path.of(input.path())) : null;
    }

    /** At most this many pairs (those with the largest policy changes) make the heatmap, so it stays readable and small for any number of pairs. */
    static final int HEATMAP_PAIRS = 200;

    private static List<PairSummary> heatmapPairs(Analysis analysis) {
        List<PairSummary> all = analysis.pairs();
        if (all.size() <= HEATMAP_PAIRS) {
            return all;
        }
        java.util.Set<String> largest = all.stream().sorted(Comparator.comparingDouble(PairSummary::totalChange).reversed()).limit(HEATMAP_PAIRS)
                .map(PairSummary::pair).collect(java.util.stream.Collectors.toSet());
        return all.stream().filter(s -> largest.contains(s.pair())).toList();
    }

    /** The heatmap's values, read from the attribution chunks one at a time (only the shown pairs' rows are kept). */
    private static Map<String, double[][]> pathwayValues(RunDirectory run, List<PairSummary> shown, int[] top) throws IOException {
        Map<String, Integer> row = new HashMap<>();
        for (int k = 0; k < shown.size(); k++) {
            row.put(shown.get(k).pair(), k);
        }
        Map<String, double[][]> values = new LinkedHashMap<>();
        for (String pathway : PATHWAYS) {
            values.put(pathway, new double[shown.size()][top.length]);
        }
        for (int c = 0; run.hasChunk(c); c++) {
            for (PairAttribution a : run.readChunk(c)) {
                Integer k = row.get(a.pair());
                if (k == null) {
                    continue;
                }
                for (int t = 0; t < top.length; t++) {
                    values.get("delta")[k][t] = a.delta()[top[t]];
                    values.get("dx_part")[k][t] = a.dxPart()[top[t]];
                    values.get("dy_part")[k][t] = a.dyPart()[top[t]];
                }
            }
        }
        return values;
    }

    /** The label the run recorded for a policy feature (so charts agree with policy.json), else the SAE's. */
    String label(int featureId) {
        int j = column(featureId);
        if (j >= 0) {
            return policy.featureLabels().get(j);
        }
        FeatureAtlas.Feature f = atlas == null ? null : atlas.byId().get(featureId);
        return f == null ? "" : f.label();
    }

    /** The policy's coefficient of a feature (0 for a feature outside the policy). */
    double coefficient(int featureId) {
        int j = column(featureId);
        return j >= 0 ? policy.coef()[j] : 0;
    }

    private int column(int featureId) {
        return IntStream.range(0, policy.features()).filter(k -> policy.featureIds()[k] == featureId).findFirst().orElse(-1);
    }
}
