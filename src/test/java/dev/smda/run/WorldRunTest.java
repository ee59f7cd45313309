package dev.smda.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smda.analysis.CategoryGap;
import dev.smda.analysis.Interference;
import dev.smda.analysis.PairSummary;
import dev.smda.attribution.PolicyDecomposition;
import dev.smda.data.DataSets;
import dev.smda.data.PairTruth;
import dev.smda.io.BadInputException;
import dev.smda.io.Json;
import dev.smda.io.SafeTensorsFile;
import dev.smda.policy.RidgeFit;
import dev.smda.progress.Progress;
import dev.smda.testing.DemoRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SMDA on the embedded world, all 200 pairs, with the settings `smda demo` uses, checked against the
 * world's planted truth (which the method never reads).
 */
class WorldRunTest {

    static final Path WORLD = DemoRun.WORLD;

    @TempDir
    static Path dir;
    static SmdaRun.Result result;
    static List<PairTruth> truth;

    @BeforeAll
    static void run() throws Exception {
        result = DemoRun.get();
        truth = DataSets.truth(WORLD.resolve("pairs.truth.jsonl"));
    }

    @Test
    void thePolicyPredictsRefusalOnHeldOutProbes() {
        System.out.printf("policy: %d features, lambda %.3g, R2 %.3f, LOO R2 %.3f%n", result.policy().features(), result.policy().lambda(),
                result.policy().r2(), result.policy().cvR2());
        assertTrue(result.policy().cvR2() >= 0.8, "cross-validated R2 " + result.policy().cvR2());
    }

    @Test
    void theGapCategoryIsFlaggedAndNoOther() {
        List<String> flagged = result.analysis().gaps().stream().filter(CategoryGap::flagged).map(CategoryGap::category).toList();
        assertEquals(List.of("religious_stereotyping"), flagged);
        CategoryGap gap = result.analysis().gaps().stream().filter(CategoryGap::flagged).findFirst().orElseThrow();
        assertTrue(gap.evidence().contains("refused on") && !gap.gapFeatures().isEmpty(), gap.evidence());
    }

    @Test
    void plantedInterferencePairsRankAtTheTopWhereLossAndEffectSizeAloneDoNot() {
        Set<String> planted = truth.stream().filter(PairTruth::interference).map(PairTruth::id).collect(Collectors.toSet());
        int k = planted.size();
        List<String> ranking = result.analysis().interference().stream().map(Interference.Entry::pair).toList();
        double precision = hits(ranking, planted, k) / (double) k;
        Map<String, PairSummary> summaries = result.analysis().pairs().stream().collect(Collectors.toMap(PairSummary::pair, s -> s));
        double byLoss = hits(rankBy(summaries, PairSummary::baseLoss), planted, k) / (double) k;
        double bySize = hits(rankBy(summaries, PairSummary::totalChange), planted, k) / (double) k;
        long flagged = result.analysis().interference().stream().filter(Interference.Entry::flagged).count();
        long flaggedPlanted = result.analysis().interference().stream().filter(e -> e.flagged() && planted.contains(e.pair())).count();
        System.out.printf("interference: precision = recall at %d: %.2f (base loss alone %.2f, change size alone %.2f); flagged %d, of them planted %d%n", k,
                precision, byLoss, bySize, flagged, flaggedPlanted);
        // measured with the defaults (ΔX linearised, 4 checkpoints of the expected pass, the category criterion relative to each kind on the
        // checkpoints' averaged effects): precision 1.00 (base loss alone 0.20, change size alone 0.75, 0.55 with the ordered pass); 20 flagged, all
        // planted, no surprise pair (from the update at the base: 0.90, 20 flagged, 18 planted, 1 surprise); precision asserted with one pair to
        // spare. Other worlds: README, "What the defaults reach".
        assertTrue(precision >= 0.95, "precision at " + k + ": " + precision);
        assertTrue(precision >= byLoss + 0.3 && precision >= bySize, "the decomposition adds to what loss and effect size show");
        assertTrue(flaggedPlanted >= 0.8 * k && flaggedPlanted >= 0.8 * flagged, "flagged pairs are mostly planted: " + flaggedPlanted + " of " + flagged);
        // the on-target surprise pairs (refusals in words the model never saw) move their own category most: not interference
        Set<String> surprises = truth.stream().filter(t -> "surprise".equals(t.kind())).map(PairTruth::id).collect(Collectors.toSet());
        long surprisesFlagged = result.analysis().interference().stream().filter(e -> e.flagged() && surprises.contains(e.pair())).count();
        System.out.printf("surprise pairs flagged: %d of %d%n", surprisesFlagged, surprises.size());
        assertEquals(0, surprisesFlagged, "surprise pairs flagged");
    }

    private static long hits(List<String> ranking, Set<String> planted, int k) {
        return ranking.stream().limit(k).filter(planted::contains).count();
    }

    private static List<String> rankBy(Map<String, PairSummary> summaries, ToDoubleFunction<PairSummary> key) {
        return summaries.values().stream().sorted(Comparator.comparingDouble(key).reversed()).map(PairSummary::pair).toList();
    }

    @Test
    void theExactPathwaysAddUpToTheChangeAndTheFilesHaveTheirDocumentedNames() throws Exception {
        Path run = result.directory().root();
        JsonNode policy = Json.read(run.resolve("policy.json"));
        for (String field : List.of("lambda", "feature_ids", "mean", "scale", "intercept", "coef", "fit_intercept", "r2", "cv_r2", "text")) {
            assertTrue(policy.has(field), "policy.json has " + field);
        }
        int p = policy.get("feature_ids").size();
        List<dev.smda.attribution.PairAttribution> attributions = new RunDirectory(run).readAttributions();
        assertEquals(200, attributions.size());
        for (dev.smda.attribution.PairAttribution a : attributions) {
            assertEquals(p, a.delta().length);
            for (int j = 0; j < p; j++) {
                assertEquals(a.delta()[j], a.dxPart()[j] + a.dyPart()[j], 1e-9);
            }
        }
        try (SafeTensorsFile chunk = SafeTensorsFile.open(run.resolve("attribution/part-00000.safetensors"))) {
            assertEquals(List.of(200L, (long) p), java.util.Arrays.stream(chunk.shape("dy_part")).boxed().toList());
            assertTrue(chunk.metadata().get("pairs").startsWith("[\"pair-001\""));
        }
        JsonNode analysis = Json.read(run.resolve("analysis.json"));
        assertTrue(analysis.get("gaps").get(0).has("category") && analysis.get("gaps").get(0).has("flagged"));
        assertTrue(analysis.get("interference").get(0).has("pair") && analysis.get("interference").get(0).has("score"));
        try (SafeTensorsFile base = SafeTensorsFile.open(run.resolve("base.safetensors"));
                SafeTensorsFile pair = SafeTensorsFile.open(run.resolve("pairs/pair-001.safetensors"))) {
            assertEquals(List.of(308L, (long) p), java.util.Arrays.stream(base.shape("X")).boxed().toList());
            assertTrue(java.util.Arrays.equals(base.shape("X"), pair.shape("dX")) && java.util.Arrays.equals(base.shape("y"), pair.shape("dy")));
        }
        JsonNode manifest = Json.read(run.resolve("run.json"));
        assertEquals(64, manifest.get("inputs").get("model").get("sha256").asText().length());
        assertTrue(manifest.get("seconds").asDouble() > 0);
    }

    @Test
    void theCategoryEffectsAndThePolicyChangeAverageTheCheckpointsThePolicyChangeRefittedMidSpan() throws Exception {
        Path fewPairs = dir.resolve("four.jsonl");
        Files.write(fewPairs, Files.readAllLines(WORLD.resolve("pairs.jsonl")).subList(10, 14));
        RunInputs in = new RunInputs(WORLD.resolve("model"), WORLD.resolve("sae"), WORLD.resolve("probes.jsonl"), fewPairs);
        RunConfig four = Demo.config();
        RunConfig one = four.with("demo", four.update().atBaseOnly());
        assertEquals(4, four.update().checkpoints());
        assertEquals(RunConfig.CategoryEffects.CHECKPOINTS, four.categoryEffects());
        RunDirectory averaged = new SmdaRun(four, in, dir.resolve("four-checkpoints"), Progress.SILENT).execute(false).directory();
        RunDirectory atBase = new SmdaRun(one, in, dir.resolve("one-checkpoint"), Progress.SILENT).execute(false).directory();
        List<dev.smda.attribution.PairAttribution> a4 = averaged.readAttributions();
        List<dev.smda.attribution.PairAttribution> a1 = atBase.readAttributions();
        RidgeFit policy = Json.MAPPER.treeToValue(Json.read(averaged.file(RunDirectory.POLICY)), RidgeFit.class);
        PolicyDecomposition atTheBase;
        PolicyDecomposition atTheRefit;
        try (SafeTensorsFile base = SafeTensorsFile.open(averaged.file(RunDirectory.BASE));
                SafeTensorsFile refit = SafeTensorsFile.open(averaged.file(RunDirectory.REFIT))) {
            atTheBase = new PolicyDecomposition(policy, base.matrix("X"), base.doubles("y"));
            atTheRefit = new PolicyDecomposition(policy, refit.matrix("X"), base.doubles("y"));
        }
        List<dev.smda.data.Probe> probes = DataSets.probes(WORLD.resolve("probes.jsonl"));
        List<String> categories = probes.stream().map(dev.smda.data.Probe::category).distinct().toList();
        int[] category = probes.stream().mapToInt(pr -> categories.indexOf(pr.category())).toArray();
        double deltaGap = 0;
        double categoryGap = 0;
        for (int k = 0; k < a4.size(); k++) {
            String id = a4.get(k).pair();
            dev.smda.attribution.PairEffect e4 = averaged.readPair(id);
            dev.smda.attribution.PairEffect e1 = atBase.readPair(id);
            assertTrue(e1.baseDx() == null && e4.baseDx() != null, "only the averaged effect keeps the base's apart");
            assertClose(e1.dy(), e4.baseDy(), id + " base dy");
            // the categories' effects: the averaged effect through the policy at the base; a one-checkpoint run's, the base's
            double[] fromAverage = atTheBase.categoryEffects(e4.dx(), e4.dy(), atTheBase.decompose(e4.dx(), e4.dy()).delta(), category, categories.size());
            double[] fromBase = atTheBase.categoryEffects(e4.baseDx(), e4.baseDy(), atTheBase.decompose(e4.baseDx(), e4.baseDy()).delta(), category,
                    categories.size());
            assertClose(fromAverage, a4.get(k).categoryEffect(), id + " category effects, averaged");
            assertClose(fromBase, a1.get(k).categoryEffect(), id + " category effects, one checkpoint");
            for (int c = 0; c < fromBase.length; c++) {
                categoryGap = Math.max(categoryGap, Math.abs(fromAverage[c] - fromBase[c]));
            }
            for (int j = 0; j < a4.get(k).delta().length; j++) {
                deltaGap = Math.max(deltaGap, Math.abs(a4.get(k).delta()[j] - a1.get(k).delta()[j]));
            }
        }
        assertTrue(deltaGap > 1e-6, "the policy's change does average over the checkpoints: largest difference " + deltaGap);
        assertTrue(categoryGap > 1e-6, "the categories' effects do average over the checkpoints: largest difference " + categoryGap);

        // the averaged effect's Δβ is refitted in the middle of the span, at the features the run wrote, not at the base; its parts add up to it
        assertEquals(RunConfig.RefitPoint.SPAN_MIDDLE, four.refitAt());
        assertFalse(Files.exists(atBase.file(RunDirectory.REFIT)), "one checkpoint: refitted at the base, no refit file");
        double refitGap = 0;
        for (dev.smda.attribution.PairAttribution a : a4) {
            dev.smda.attribution.PairEffect e = averaged.readPair(a.pair());
            double[] there = atTheBase.decompose(e.dx(), e.dy()).delta();
            assertClose(atTheRefit.decompose(e.dx(), e.dy()).delta(), a.delta(), a.pair() + ": refitted at refit.safetensors' features");
            for (int j = 0; j < there.length; j++) {
                refitGap = Math.max(refitGap, Math.abs(there[j] - a.delta()[j]) / Math.max(1e-12, Math.abs(there[j])));
                assertEquals(a.delta()[j], a.dxPart()[j] + a.dyPart()[j], 1e-9);
            }
        }
        assertTrue(refitGap > 1e-3, "refitted elsewhere than at the base: largest relative difference " + refitGap);
        for (dev.smda.attribution.PairAttribution a : a1) {
            dev.smda.attribution.PairEffect e = atBase.readPair(a.pair());
            assertClose(atTheBase.decompose(e.dx(), e.dy()).delta(), a.delta(), a.pair() + ": one checkpoint, refitted at the base");
        }

        // a pair file without the base's effect (an older smda's) is refused when a resumed run needs it
        dev.smda.attribution.PairEffect old = averaged.readPair(a4.getFirst().pair());
        averaged.writePair(new dev.smda.attribution.PairEffect(old.pairId(), old.dx(), old.dy(), old.baseLoss()));
        Files.delete(averaged.chunkFile(0));
        Files.delete(averaged.root().resolve(RunDirectory.ANALYSIS));
        String message = assertThrows(BadInputException.class,
                () -> new SmdaRun(four, in, averaged.root(), Progress.SILENT).execute(true)).getMessage();
        assertTrue(message.contains(old.pairId()) && message.contains("older smda"), message);
    }

    private static void assertClose(double[] expected, double[] actual, String what) {
        double scale = java.util.Arrays.stream(expected).map(Math::abs).max().orElse(0);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-9 * scale + 1e-12, what + " [" + i + "]");
        }
    }

    @Test
    void anInterruptedRunResumesAndARunWithOtherInputsRefusesToResume() throws Exception {
        Path run = dir.resolve("resumable");
        List<String> ids = List.of("pair-001", "pair-002", "pair-003");
        Path fewPairs = dir.resolve("few.jsonl");
        List<String> lines = Files.readAllLines(WORLD.resolve("pairs.jsonl")).subList(0, 3);
        Files.write(fewPairs, lines);
        RunInputs in = new RunInputs(WORLD.resolve("model"), WORLD.resolve("sae"), WORLD.resolve("probes.jsonl"), fewPairs);
        SmdaRun.Result first = new SmdaRun(Demo.config(), in, run, Progress.SILENT).execute(false);
        assertEquals(3, first.pairsComputed());
        Map<String, byte[]> before = new HashMap<>();
        for (String id : ids) {
            before.put(id, Files.readAllBytes(run.resolve("pairs/" + id + ".safetensors")));
        }
        Files.delete(run.resolve("pairs/pair-002.safetensors"));
        Files.delete(run.resolve("analysis.json"));
        SmdaRun.Result resumed = new SmdaRun(Demo.config(), in, run, Progress.SILENT).execute(true);
        assertEquals(1, resumed.pairsComputed(), "only the missing pair is recomputed");
        for (String id : ids) {
            assertTrue(java.util.Arrays.equals(before.get(id), Files.readAllBytes(run.resolve("pairs/" + id + ".safetensors"))), id);
        }
        assertEquals(first.analysis().interference(), resumed.analysis().interference());
        assertThrows(BadInputException.class, () -> new SmdaRun(Demo.config(), in, run, Progress.SILENT).execute(false), "a finished run is not overwritten");
        Files.write(fewPairs, lines.subList(0, 2));
        String message = assertThrows(BadInputException.class, () -> new SmdaRun(Demo.config(), in, run, Progress.SILENT).execute(true)).getMessage();
        assertTrue(message.contains("run.json") && message.contains("pairs"), message);
        assertFalse(Files.exists(run.resolve("pairs/.pair-004.safetensors.part")));
    }
}
