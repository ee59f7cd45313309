package dev.smda.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smda.analysis.Analysis;
import dev.smda.analysis.GroupComparison;
import dev.smda.analysis.Interference;
import dev.smda.analysis.PairSummary;
import dev.smda.attribution.PairAttribution;
import dev.smda.data.DataSets;
import dev.smda.data.Jsonl;
import dev.smda.data.Probe;
import dev.smda.data.SftPair;
import dev.smda.io.AtomicFiles;
import dev.smda.io.Json;
import dev.smda.policy.RidgeFit;
import dev.smda.run.RunConfig;
import dev.smda.run.RunDirectory;
import dev.smda.testing.DemoRun;
import dev.smda.testing.HeadlessChromium;
import dev.smda.world.WorldGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The report of a run with 100,000 pairs (the demo's run, its pairs replaced by 100,000 generated
 * ones with synthetic attributions, analysed by the run's own streaming analyses) stays one fast
 * page in a real Chromium: it loads offline without errors, the table pages through every pair,
 * a pair is found by its id, and a chart's link shows its pair's page.
 */
class LargeReportBrowserTest {

    static final int PAIRS = 100_000;

    @TempDir
    Path dir;

    @Test
    void aHundredThousandPairReportLoadsPagesAndFindsPairs() throws Exception {
        Path run = syntheticRun(dir.resolve("run"));
        long start = System.nanoTime();
        Path page = HtmlReport.write(run);
        double writing = (System.nanoTime() - start) / 1e9;
        long bytes = Files.size(page);
        try (HeadlessChromium chromium = HeadlessChromium.open(dir.resolve("profile"))) {
            long t = System.nanoTime();
            chromium.browser.get(page.toUri().toString());
            double loading = (System.nanoTime() - t) / 1e9;
            System.out.printf("report of %,d pairs: %.1f MB, written in %.1f s, loaded in Chromium in %.1f s%n", PAIRS, bytes / 1e6, writing, loading);
            assertTrue(bytes < 60_000_000, "report size " + bytes);
            assertTrue(loading < 30, "loads in " + loading + " s");
            assertEquals(List.of(), chromium.consoleErrors());
            assertEquals(PAIRS + " of " + PAIRS + " pairs", chromium.browser.findElement(By.id("pair-count")).getText());
            assertEquals("page 1 of 1000", chromium.browser.findElement(By.id("pair-page")).getText());
            assertEquals(HtmlReport.PAGE_ROWS, chromium.browser.findElements(By.cssSelector("#pair-table tbody tr")).size());
            assertTrue(chromium.browser.findElements(By.cssSelector("#chart-heatmap-delta a")).size() <= RunData.HEATMAP_PAIRS * HtmlReport.TOP_FEATURES);
            chromium.browser.findElement(By.id("pair-next")).click();
            assertEquals("page 2 of 1000", chromium.browser.findElement(By.id("pair-page")).getText());

            chromium.browser.findElement(By.id("pair-filter")).sendKeys("pair-054321");
            assertEquals("1 of " + PAIRS + " pairs", chromium.browser.findElement(By.id("pair-count")).getText());
            assertTrue(chromium.browser.findElement(By.cssSelector("#pair-table tbody tr")).getText().startsWith("pair-054321"));

            WebElement bar = chromium.browser.findElement(By.cssSelector("#chart-interference a"));
            String target = bar.getDomAttribute("href").substring(1);
            chromium.js("arguments[0].scrollIntoView({block: 'center'});", bar);
            bar.findElement(By.tagName("rect")).click();
            WebElement row = chromium.browser.findElement(By.id(target));
            assertTrue(row.isDisplayed() && row.getDomAttribute("class").contains("target"), "the linked pair's row is shown: " + target);
        }
    }

    /** The demo's run with its pairs replaced by generated ones, their attributions synthetic, analysed as a run does. */
    static Path syntheticRun(Path out) throws Exception {
        Path demo = DemoRun.get().directory().root();
        for (String f : List.of(RunDirectory.MANIFEST, RunDirectory.POLICY, RunDirectory.BASE)) {
            Files.createDirectories(out);
            Files.copy(demo.resolve(f), out.resolve(f));
        }
        List<Probe> probes = DataSets.probes(DemoRun.WORLD.resolve("probes.jsonl"));
        Set<String> prompts = new HashSet<>();
        probes.forEach(p -> prompts.add(p.prompt()));
        List<SftPair> pairs = new WorldGenerator(3).morePairs(PAIRS, prompts).pairs();
        Path pairsFile = out.resolve("pairs.jsonl");
        Jsonl.write(pairsFile, pairs);
        ObjectNode manifest = (ObjectNode) Json.read(out.resolve(RunDirectory.MANIFEST));
        ((ObjectNode) manifest.get("inputs").get("pairs")).put("path", pairsFile.toString());
        manifest.put("pairs", PAIRS);
        Json.write(out.resolve(RunDirectory.MANIFEST), manifest);

        RidgeFit policy = Json.MAPPER.treeToValue(Json.read(out.resolve(RunDirectory.POLICY)), RidgeFit.class);
        Analysis demoAnalysis = Json.MAPPER.treeToValue(Json.read(demo.resolve(RunDirectory.ANALYSIS)), Analysis.class);
        List<String> categories = probes.stream().map(Probe::category).distinct().toList();
        boolean[] harmful = new boolean[categories.size()];
        int[] probeCategory = new int[probes.size()];
        for (int i = 0; i < probes.size(); i++) {
            probeCategory[i] = categories.indexOf(probes.get(i).category());
            harmful[probeCategory[i]] |= probes.get(i).harmful();
        }
        double[][] z = new double[probes.size()][policy.features()];
        Interference.Ranking ranking = Interference.byCategory(categories, harmful, z, probeCategory, policy.featureIds(), policy.featureLabels(),
                demoAnalysis.intendedFeatures(), RunConfig.NOISE_FLOOR);
        GroupComparison groups = new GroupComparison(policy.features(), 200, 1);
        List<PairSummary> summaries = new ArrayList<>();
        RunDirectory directory = new RunDirectory(out);
        Random random = new Random(5);
        int p = policy.features();
        for (int c = 0; c * 1024 < PAIRS; c++) {
            List<PairAttribution> chunk = new ArrayList<>();
            for (int k = c * 1024; k < Math.min(PAIRS, (c + 1) * 1024); k++) {
                double[] dx = gaussian(random, p, 1e-3);
                double[] dy = gaussian(random, p, 1e-3);
                double[] delta = new double[p];
                for (int j = 0; j < p; j++) {
                    delta[j] = dx[j] + dy[j];
                }
                PairAttribution a = new PairAttribution(pairs.get(k).id(), random.nextDouble() * 3, random.nextGaussian() * 0.01, delta, dx, dy, null, null,
                        null, gaussian(random, categories.size(), 0.05));
                chunk.add(a);
                SftPair pair = pairs.get(k);
                groups.add(k, pair.harmful(), dx, dy);
                ranking.add(pair, delta, dx, dy, a.categoryEffect());
                summaries.add(new PairSummary(pair.id(), pair.category(), pair.harmful(), a.baseLoss(), a.meanDy(), java.util.Arrays.stream(delta).map(Math::abs).sum(), 0.5, 0.5, 0, 0));
            }
            directory.writeChunk(c, chunk, policy.featureIds(), categories, "synthetic");
        }
        Analysis analysis = new Analysis(demoAnalysis.gaps(), groups.finish(policy.featureIds(), policy.featureLabels()), demoAnalysis.intendedFeatures(),
                ranking.finish(), summaries, null);
        Json.write(out.resolve(RunDirectory.ANALYSIS), analysis);
        AtomicFiles.deleteRecursively(out.resolve("validation"));
        return out;
    }

    private static double[] gaussian(Random r, int n, double sd) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian() * sd;
        }
        return v;
    }
}
