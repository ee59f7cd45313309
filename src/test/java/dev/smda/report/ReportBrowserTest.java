package dev.smda.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smda.run.SmdaRun;
import dev.smda.testing.DemoRun;
import dev.smda.testing.DemoValidation;
import dev.smda.testing.HeadlessChromium;
import dev.smda.validate.CoefficientFidelity;
import dev.smda.validate.ValidationResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * report.html of the demo run, opened in a real headless Chromium (Debian's chromium and
 * chromium-driver): it loads offline with no console errors, its sections and charts render, and its
 * controls work. Screenshots are kept in target/report-browser/. Skipped where Chromium is not
 * installed, unless SMDA_CI is set (.ci/run sets it: there a missing browser is a failure).
 */
class ReportBrowserTest {

    static final Path ARTEFACTS = Path.of("target", "report-browser");

    @TempDir
    static Path profile;
    static SmdaRun.Result run;
    static Path page;
    static HeadlessChromium chromium;
    static ChromeDriver browser;

    @BeforeAll
    static void openBrowser() throws IOException {
        chromium = HeadlessChromium.open(profile);
        browser = chromium.browser;
        run = DemoRun.get();
        page = HtmlReport.write(run.directory().root());
        Files.createDirectories(ARTEFACTS);
    }

    @AfterAll
    static void closeBrowser() {
        if (chromium != null) {
            chromium.close();
        }
    }

    @BeforeEach
    void load() {
        browser.get(page.toUri().toString());
    }

    private Object js(String script, Object... args) {
        return chromium.js(script, args);
    }

    private List<String> consoleErrors() {
        return chromium.consoleErrors();
    }

    @Test
    void theConsoleCheckSeesAnErrorOnABrokenPage() throws IOException {
        Path broken = profile.resolveSibling(profile.getFileName() + "-broken.html");
        Files.writeString(broken, "<!doctype html><title>broken</title><script>thisFunctionDoesNotExist();</script>");
        consoleErrors(); // drain what the report page logged
        browser.get(broken.toUri().toString());
        List<String> errors = consoleErrors();
        assertTrue(errors.stream().anyMatch(m -> m.contains("thisFunctionDoesNotExist")), "console errors seen: " + errors);
        Files.delete(broken);
    }

    @Test
    void thePageLoadsOfflineWithNoConsoleErrors() throws IOException {
        assertEquals(List.of(), consoleErrors());
        assertEquals(0L, js("return performance.getEntriesByType('resource').length;"), "the page fetches nothing");
        assertEquals(0L, js("return document.querySelectorAll('script[src],link[href],img[src],iframe,object,embed').length;"));
        assertTrue(browser.getTitle().startsWith("SMDA report"), browser.getTitle());
        browser.manage().window().setSize(new Dimension(1400, ((Number) js("return document.documentElement.scrollHeight;")).intValue()));
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), ARTEFACTS.resolve("report.png"), StandardCopyOption.REPLACE_EXISTING);
        browser.manage().window().setSize(new Dimension(1400, 1000));
    }

    @Test
    void theKeySectionsAndChartsRender() throws IOException {
        for (String id : List.of("summary", "policy", "gaps", "pathways", "groups", "interference", "pairs")) {
            WebElement section = browser.findElement(By.id(id));
            assertTrue(section.isDisplayed() && section.getSize().getHeight() > 50, id + " is shown");
            assertFalse(section.findElement(By.tagName("h2")).getText().isBlank(), id + " has a heading");
        }
        String summary = browser.findElement(By.id("summary")).getText();
        assertTrue(summary.contains("policy R²") && summary.contains("cross-validated") && summary.contains(String.format("%.3f", run.policy().cvR2())), summary);
        for (String chart : List.of("chart-policy", "chart-gaps", "chart-heatmap-delta", "chart-groups", "chart-interference")) {
            WebElement svg = browser.findElement(By.id(chart));
            assertTrue(svg.isDisplayed() && svg.getSize().getWidth() > 300 && svg.getSize().getHeight() > 100, chart + " is drawn: " + svg.getSize());
            assertTrue(svg.findElements(By.tagName("rect")).size() >= 10, chart + " has marks");
        }
        assertEquals(HtmlReport.TOP_FEATURES, browser.findElements(By.cssSelector("#chart-policy a")).size(), "one bar per top feature");
        int pairs = run.analysis().pairs().size();
        assertEquals(pairs * HtmlReport.TOP_FEATURES, browser.findElements(By.cssSelector("#chart-heatmap-delta a")).size(), "one cell per pair and feature");
        assertEquals(run.analysis().gaps().size(), browser.findElements(By.cssSelector("#gaps tbody tr")).size());
        assertEquals(1, browser.findElements(By.cssSelector("#gaps tbody tr.flagged")).size(), "the demo's one gap is flagged");
        assertTrue(browser.findElement(By.cssSelector("#gaps tr.flagged")).getText().contains("religious_stereotyping"));
        WebElement heatmap = browser.findElement(By.id("chart-heatmap-delta"));
        js("arguments[0].scrollIntoView();", heatmap);
        Files.copy(heatmap.getScreenshotAs(OutputType.FILE).toPath(), ARTEFACTS.resolve("heatmap.png"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void everyChartLabelIsWhole() {
        assertEquals(List.of(), labelsCutOrOverlapping());
    }

    /**
     * Text labels that, as rendered, reach past their chart's edge (cut off) or overlap another
     * label of the chart by more than half a pixel each way (a value written over a feature's name,
     * say), as "chart: label" and "chart: first / second".
     */
    @SuppressWarnings("unchecked")
    private List<String> labelsCutOrOverlapping() {
        return (List<String>) js("""
                const found = [];
                for (const svg of document.querySelectorAll('svg')) {
                  const labels = [...svg.querySelectorAll('text')].map(t => ({text: t.textContent, box: t.getBBox()}));
                  const width = svg.viewBox.baseVal.width;
                  labels.filter(l => l.box.x < -0.5 || l.box.x + l.box.width > width + 0.5).forEach(l => found.push(svg.id + ': ' + l.text));
                  labels.forEach((a, i) => labels.slice(i + 1).forEach(b => {
                    const x = Math.min(a.box.x + a.box.width, b.box.x + b.box.width) - Math.max(a.box.x, b.box.x);
                    const y = Math.min(a.box.y + a.box.height, b.box.y + b.box.height) - Math.max(a.box.y, b.box.y);
                    if (x > 0.5 && y > 0.5) found.push(svg.id + ': ' + a.text + ' / ' + b.text);
                  }));
                }
                return found;""");
    }

    @Test
    void aFeatureOpensToItsContextsWithTheActivatingTokenMarked() {
        WebElement feature = browser.findElement(By.cssSelector("details.feature"));
        assertFalse(feature.findElement(By.tagName("mark")).isDisplayed(), "closed at first");
        feature.findElement(By.tagName("summary")).click();
        assertEquals("true", feature.getDomAttribute("open"));
        List<WebElement> contexts = feature.findElements(By.cssSelector("ol.contexts li"));
        assertFalse(contexts.isEmpty());
        for (WebElement c : contexts) {
            assertTrue(c.findElement(By.tagName("mark")).isDisplayed(), "each context marks its token");
        }
        assertTrue(feature.getText().contains("promotes:"));
    }

    @Test
    void theHeatmapSwitchesBetweenPathways() {
        WebElement delta = browser.findElement(By.id("chart-heatmap-delta"));
        WebElement dx = browser.findElement(By.id("chart-heatmap-dx_part"));
        WebElement dy = browser.findElement(By.id("chart-heatmap-dy_part"));
        assertTrue(delta.isDisplayed() && !dx.isDisplayed() && !dy.isDisplayed());
        browser.findElement(By.cssSelector(".switch button[data-pathway=dx_part]")).click();
        assertTrue(dx.isDisplayed() && !delta.isDisplayed() && !dy.isDisplayed());
        assertTrue(browser.findElement(By.cssSelector(".switch button[data-pathway=dx_part]")).getDomAttribute("class").contains("on"));
        browser.findElement(By.cssSelector(".switch button[data-pathway=dy_part]")).click();
        assertTrue(dy.isDisplayed() && !dx.isDisplayed());
        assertNotEquals(js("return Array.from(arguments[0].querySelectorAll('rect')).map(r => r.getAttribute('fill')).join();", dx),
                js("return Array.from(arguments[0].querySelectorAll('rect')).map(r => r.getAttribute('fill')).join();", dy),
                "the two pathways are drawn from different numbers");
    }

    @Test
    void thePairTableFiltersAndSorts() {
        WebElement count = browser.findElement(By.id("pair-count"));
        int pairs = run.analysis().pairs().size();
        assertEquals(pairs + " of " + pairs + " pairs", count.getText());
        browser.findElement(By.id("pair-filter")).sendKeys("religious_stereotyping");
        long expected = run.analysis().pairs().stream().filter(p -> p.category().equals("religious_stereotyping")).count();
        List<WebElement> shown = browser.findElements(By.cssSelector("#pair-table tbody tr")).stream().filter(WebElement::isDisplayed).toList();
        assertTrue(expected > 0 && shown.size() >= expected && shown.size() < pairs, "filter keeps " + shown.size());
        shown.forEach(r -> assertTrue(r.getText().contains("religious_stereotyping")));
        assertEquals(shown.size() + " of " + pairs + " pairs", count.getText());

        browser.get(page.toUri().toString());
        WebElement header = browser.findElements(By.cssSelector("#pair-table th")).stream().filter(th -> th.getText().startsWith("|Δβ|")).findFirst().orElseThrow();
        header.click();
        List<Double> ascending = column(header);
        assertTrue(isSorted(ascending), "ascending after one click");
        header.click();
        List<Double> descending = column(header).reversed();
        assertTrue(isSorted(descending), "descending after a second click");
        assertNotEquals(ascending.getFirst(), ascending.getLast());
    }

    @SuppressWarnings("unchecked")
    private List<Double> column(WebElement header) {
        List<Object> values = (List<Object>) js("var i = arguments[0].cellIndex; return Array.from(document.querySelectorAll('#pair-table tbody tr'))"
                + ".map(r => parseFloat(r.cells[i].dataset.value));", header);
        return values.stream().map(v -> ((Number) v).doubleValue()).toList();
    }

    private static boolean isSorted(List<Double> values) {
        for (int i = 1; i < values.size(); i++) {
            if (values.get(i - 1) > values.get(i)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void everyInPageLinkHasATarget() {
        @SuppressWarnings("unchecked")
        List<Object> missing = (List<Object>) js("var pairs = new Set(JSON.parse(document.getElementById('pair-data').textContent).map(r => 'pair-' + r[0]));"
                + "return Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href')).filter(h => h && h.startsWith('#'))"
                + ".map(h => decodeURIComponent(h.slice(1))).filter(id => id.startsWith('pair-') ? !pairs.has(id) : !document.getElementById(id));");
        assertEquals(List.of(), missing, "every link names a feature, section or pair the page has (pair rows are drawn a page at a time)");
        assertEquals(0L, js("return Array.from(document.querySelectorAll('a')).filter(a => !a.getAttribute('href').startsWith('#')).length;"),
                "no link leaves the page");
    }

    @Test
    void aChartElementLeadsToItsPairsRowEvenWhenTheFilterHidIt() {
        browser.findElement(By.id("pair-filter")).sendKeys("no pair has this text");
        assertEquals("0 of " + run.analysis().pairs().size() + " pairs", browser.findElement(By.id("pair-count")).getText());
        WebElement bar = browser.findElement(By.cssSelector("#chart-interference a"));
        String target = bar.getDomAttribute("href").substring(1);
        js("arguments[0].scrollIntoView({block: 'center'});", bar);
        bar.findElement(By.tagName("rect")).click();
        assertEquals("#" + target, js("return location.hash;"));
        WebElement row = browser.findElement(By.id(target));
        assertTrue(row.isDisplayed(), "the linked row is shown");
        assertTrue(row.getDomAttribute("class").contains("target"), "and marked");
        String pair = run.analysis().interference().getFirst().pair();
        assertTrue(row.getText().startsWith(pair), row.getText());
    }

    @Test
    void aCoefficientBarOpensItsFeature() {
        WebElement bar = browser.findElement(By.cssSelector("#chart-policy a"));
        String target = bar.getDomAttribute("href").substring(1);
        bar.findElement(By.tagName("rect")).click();
        WebElement feature = browser.findElement(By.id(target));
        assertEquals("true", feature.getDomAttribute("open"), "the linked feature opens");
        assertTrue(feature.findElement(By.tagName("mark")).isDisplayed());
    }

    @Test
    void theValidationSectionShowsEveryMethodAndWhichCoefficientsHold(@TempDir Path validated) throws IOException {
        try (DemoValidation.ValidatedRun linked = DemoValidation.linkedInto(validated)) {
            checkValidationSection(DemoValidation.get(), linked.root());
        }
    }

    private void checkValidationSection(ValidationResult validation, Path validated) throws IOException {
        consoleErrors(); // drain what the unvalidated page logged
        browser.get(HtmlReport.write(validated).toUri().toString());
        assertEquals(List.of(), consoleErrors());
        assertEquals(1, browser.findElements(By.cssSelector("nav a[href='#validation']")).size(), "the header links the section");
        WebElement section = browser.findElement(By.id("validation"));
        assertTrue(section.isDisplayed() && section.getText().contains("16 random subsets"), section.getText());

        WebElement lds = browser.findElement(By.id("chart-lds"));
        long bars = validation.methods().stream().mapToLong(m -> validation.noiseCeiling().keySet().stream().filter(f -> m.families().get(f) != null).count())
                .sum();
        assertTrue(lds.isDisplayed() && lds.getSize().getWidth() > 300, "the LDS chart is drawn: " + lds.getSize());
        assertEquals(bars, lds.findElements(By.tagName("rect")).size(), "one bar per method and target it scores");
        List<WebElement> rows = browser.findElements(By.cssSelector("#lds-table tbody tr"));
        assertEquals(validation.methods().stream().map(ValidationResult.MethodResult::name).toList(),
                rows.stream().map(r -> r.findElement(By.tagName("td")).getText()).toList());
        ValidationResult.FamilyScore smdaProbes = validation.methods().getFirst().families().get("probes");
        assertTrue(rows.getFirst().getText().contains(String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", smdaProbes.lds(), smdaProbes.low(), smdaProbes.high())),
                rows.getFirst().getText());
        WebElement removal = browser.findElement(By.id("chart-removal"));
        assertTrue(removal.isDisplayed() && removal.getSize().getHeight() > 100, "the removal curves are drawn: " + removal.getSize());
        assertEquals(List.of(), labelsCutOrOverlapping(), "the validation's charts too");

        CoefficientFidelity fidelity = CoefficientFidelity.of(validated, validated.resolve("validation"));
        List<WebElement> coefficients = browser.findElements(By.cssSelector("#coefficient-table tbody tr"));
        assertEquals(Math.min(HtmlReport.TOP_FEATURES, run.policy().features()), coefficients.size(), "one row per largest coefficient");
        assertEquals(fidelity.bands().size() + 1, browser.findElements(By.cssSelector("#coefficient-bands tbody tr")).size(), "the bands and the largest");
        WebElement link = coefficients.getFirst().findElement(By.tagName("a"));
        String feature = link.getDomAttribute("href").substring(1);
        js("arguments[0].scrollIntoView({block: 'center'});", link);
        link.click();
        assertEquals("true", browser.findElement(By.id(feature)).getDomAttribute("open"), "a coefficient's link opens its feature");

        String interference = browser.findElement(By.cssSelector("#validation table.data:last-of-type")).getText();
        ValidationResult.InterferenceScore planted = validation.interference().getFirst();
        assertTrue(interference.contains("precision at " + planted.planted()) && interference.contains(String.format(Locale.ROOT, "%.2f", planted.precisionAtPlanted())),
                interference);
        browser.manage().window().setSize(new Dimension(1400, ((Number) js("return document.documentElement.scrollHeight;")).intValue()));
        Files.copy(section.getScreenshotAs(OutputType.FILE).toPath(), ARTEFACTS.resolve("validation.png"), StandardCopyOption.REPLACE_EXISTING);
        browser.manage().window().setSize(new Dimension(1400, 1000));
    }
}
