package dev.smda.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smda.io.BadInputException;
import dev.smda.run.SmdaRun;
import dev.smda.testing.DemoRun;
import dev.smda.testing.DemoValidation;
import dev.smda.validate.ValidationResult;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** report.md of the demo run: its tables say what the run found, and every chart it shows is a PNG beside it. */
class MarkdownReportTest {

    @TempDir
    Path empty;

    @Test
    void theMarkdownSummaryShowsTheRunsFindingsWithItsChartsBesideIt() throws Exception {
        SmdaRun.Result run = DemoRun.get();
        Path md = MarkdownReport.write(run.directory().root());
        String text = Files.readString(md);
        assertTrue(text.contains(String.format("%.3f in sample, %.3f leave-one-out", run.policy().r2(), run.policy().cvR2())), "R² in the summary");
        assertTrue(text.contains("| religious_stereotyping | yes |") && text.contains("| **yes** |"), "the flagged gap");
        String topPair = run.analysis().interference().getFirst().pair();
        assertTrue(text.contains("| 1 | " + topPair + " |"), "the interference ranking starts with " + topPair);
        Matcher images = Pattern.compile("!\\[[^]]*]\\(([^)]+)\\)").matcher(text);
        List<String> shown = images.results().map(m -> m.group(1)).toList();
        assertEquals(List.of("report-policy.png", "report-gaps.png", "report-pathways.png", "report-groups.png", "report-interference.png"), shown);
        for (String png : shown) {
            BufferedImage image = ImageIO.read(md.resolveSibling(png).toFile());
            assertTrue(image.getWidth() >= 600 && image.getHeight() >= 200, png + " " + image.getWidth() + "x" + image.getHeight());
            assertTrue(distinctColours(image) >= 3, png + " has a chart drawn on it");
        }
    }

    @Test
    void aValidatedRunsSummaryCarriesItsValidation(@TempDir Path validated) throws Exception {
        ValidationResult validation = DemoValidation.get();
        try (DemoValidation.ValidatedRun linked = DemoValidation.linkedInto(validated)) {
            Path md = MarkdownReport.write(linked.root());
            String text = Files.readString(md);
            String section = text.substring(text.indexOf("## Is the attribution right?"));
            assertTrue(section.contains("16 random subsets of 100 pairs, each 2 times"), section);
            assertTrue(section.startsWith("## Is the attribution right?") && text.indexOf("## Interference") < text.indexOf(section), "after the run's own sections");
            ValidationResult.FamilyScore smdaProbes = validation.methods().getFirst().families().get("probes");
            ValidationResult.FamilyScore smdaCoefficients = validation.methods().getFirst().families().get("coefficients");
            assertTrue(section.contains(String.format(Locale.ROOT, "| smda | %.3f [%.3f, %.3f]", smdaProbes.lds(), smdaProbes.low(), smdaProbes.high())), section);
            assertTrue(section.contains(String.format(Locale.ROOT, "%.3f [%.3f, %.3f] (%.0f%%)", smdaCoefficients.lds(), smdaCoefficients.low(),
                    smdaCoefficients.high(), 100 * smdaCoefficients.ofCeiling())), section);
            for (ValidationResult.MethodResult m : validation.methods()) {
                assertTrue(section.contains("\n| " + m.name() + " | "), "a row for " + m.name());
            }
            ValidationResult.Difference tracin = validation.methods().stream().filter(m -> m.name().equals("tracin")).findFirst().orElseThrow().families()
                    .get("coefficients").fromSmda();
            assertTrue(section.contains(String.format(Locale.ROOT, "vs smda %+.3f [%+.3f, %+.3f]", tracin.difference(), tracin.low(), tracin.high())), section);
            assertTrue(section.contains(String.format(Locale.ROOT, "| *noise ceiling* | %.3f |", validation.noiseCeiling().get("probes").ceiling())), section);
            assertTrue(section.contains("| the policy's 20 largest | 20 | "), "which coefficients' attributions hold: " + section);
            ValidationResult.InterferenceScore planted = validation.interference().getFirst();
            assertTrue(section.contains(String.format(Locale.ROOT, "| %s | %.2f | %.2f |", planted.ranking(), planted.precisionAtPlanted(),
                    planted.averagePrecision())), section);
            List<String> shown = Pattern.compile("!\\[[^]]*]\\(([^)]+)\\)").matcher(section).results().map(m -> m.group(1)).toList();
            assertEquals(List.of("report-validation.png", "report-removal.png"), shown);
            for (String png : shown) {
                BufferedImage image = ImageIO.read(md.resolveSibling(png).toFile());
                assertTrue(image.getWidth() >= 600 && image.getHeight() >= 200 && distinctColours(image) >= 3, png + " has a chart drawn on it");
            }
        }
    }

    private static int distinctColours(BufferedImage image) {
        return (int) IntStream.range(0, image.getWidth() * image.getHeight())
                .map(i -> image.getRGB(i % image.getWidth(), i / image.getWidth())).distinct().limit(10).count();
    }

    @Test
    void aFolderThatIsNotARunGetsAOneLineError() {
        String message = assertThrows(BadInputException.class, () -> MarkdownReport.write(empty)).getMessage();
        assertTrue(message.contains(empty.toString()) && message.contains("run.json") && message.contains("not a finished run directory"), message);
        assertThrows(BadInputException.class, () -> HtmlReport.write(empty));
    }
}
