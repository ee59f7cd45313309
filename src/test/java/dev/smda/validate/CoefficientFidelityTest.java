package dev.smda.validate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smda.io.BadInputException;
import dev.smda.io.SafeTensorsWriter;
import dev.smda.run.RunDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-coefficient view of a validation: read from its metrics file, banded by how often each feature fires, and summarised for the terminal. */
class CoefficientFidelityTest {

    /** Four probes; the features fire on 1, 1, 2 and 4 of them (25%, 25%, 50%, 100%). */
    private static final double[][] BASE_X = {{1, 0, 0, 2}, {0, 3, 0, 1}, {0, 0, 1, 1}, {0, 0, 2, 5}};

    @TempDir
    Path dir;

    private Path metrics(boolean withSmda) throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter();
        w.addDoubles("ceiling.coefficients", new double[] {0.8, 0.6, 0.9, 1.0}, 4);
        w.addDoubles("ceiling.coefficients_reencoded", new double[] {0.7, 0.5, 0.8, 0.9}, 4);
        if (withSmda) {
            w.addDoubles("lds.smda.coefficients", new double[] {0.4, Double.NaN, 0.6, 0.9}, 4);
            w.addDoubles("lds.smda.coefficients_reencoded", new double[] {0.2, 0.1, 0.5, 0.8}, 4);
        }
        Path file = dir.resolve(withSmda ? "metrics.safetensors" : "random-only.safetensors");
        w.write(file);
        return file;
    }

    @Test
    void eachCoefficientsScoreIsReadBesideHowOftenItsFeatureFires() throws IOException {
        CoefficientFidelity f = CoefficientFidelity.read(metrics(true), BASE_X);
        assertArrayEquals(new double[] {0.25, 0.25, 0.5, 1.0}, f.firing(), 1e-15);
        assertArrayEquals(new double[] {0.4, Double.NaN, 0.6, 0.9}, f.lds());
        assertArrayEquals(new double[] {0.7, 0.5, 0.8, 0.9}, f.ceilingReencoded());
        assertNull(CoefficientFidelity.read(metrics(false), BASE_X), "a validation that did not score smda has nothing to show");
        assertNull(CoefficientFidelity.read(dir.resolve("absent.safetensors"), BASE_X));

        new SafeTensorsWriter().addMatrix("X", BASE_X).write(dir.resolve(RunDirectory.BASE));
        CoefficientFidelity ofRun = CoefficientFidelity.of(dir, dir);
        assertArrayEquals(f.lds(), ofRun.lds(), "a run's validation folder: its metrics file, the run's base features");
        assertArrayEquals(f.firing(), ofRun.firing());
        String message = assertThrows(BadInputException.class, () -> CoefficientFidelity.read(metrics(true), new double[][] {{1, 0, 1}})).getMessage();
        assertTrue(message.contains("metrics.safetensors: scores of 4 coefficients, but the run's policy has 3"), message);
    }

    @Test
    void bandsAverageTheCoefficientsWhoseLdsIsDefined() throws IOException {
        List<CoefficientFidelity.Band> bands = CoefficientFidelity.read(metrics(true), BASE_X).bands();
        assertEquals(1, bands.size(), "every feature fires on a quarter of the probes or more: " + bands);
        assertEquals(0.25, bands.getFirst().low());
        CoefficientFidelity.Mean all = bands.getFirst().mean();
        assertEquals(4, all.coefficients());
        assertEquals((0.4 + 0.6 + 0.9) / 3, all.lds(), 1e-15, "the coefficient no subset changed (NaN) is left out of the mean");
        assertEquals((0.8 + 0.9 + 1.0) / 3, all.ceiling(), 1e-15, "and out of its ceiling's");
        assertEquals((0.7 + 0.5 + 0.8 + 0.9) / 4, all.ceilingReencoded(), 1e-15, "re-encoded, every LDS is defined");

        double[][] rare = new double[40][4];
        rare[0] = new double[] {1, 1, 1, 1};
        for (int i = 1; i < 40; i++) {
            rare[i] = new double[] {0, i < 3 ? 1 : 0, i < 6 ? 1 : 0, 1};
        }
        List<CoefficientFidelity.Band> spread = CoefficientFidelity.read(metrics(true), rare).bands();
        assertEquals(List.of(0.0, 0.05, 0.10, 0.25), spread.stream().map(CoefficientFidelity.Band::low).toList(), "2.5%, 7.5%, 15% and 100%: " + spread);
        assertEquals(List.of(0.4, Double.NaN, 0.6, 0.9), spread.stream().map(b -> b.mean().lds()).toList());
    }

    @Test
    void theTerminalSummaryGivesEachBandsMeansAndShares() throws IOException {
        double[][] spread = new double[40][4];
        spread[0] = new double[] {1, 1, 1, 1};
        for (int i = 1; i < 40; i++) {
            spread[i] = new double[] {0, i < 3 ? 1 : 0, 0, 1};
        }
        String text = ValidationReport.coefficientBands(CoefficientFidelity.read(metrics(true), spread));
        assertTrue(text.contains("  firing on 0% to 5% of the probes        2  0.500 (59%) / 0.350 (47%)\n"), text);
        assertTrue(text.contains("  firing on 5% to 10% of the probes       1  - / 0.100 (20%)\n"), "a band whose LDS is never defined: " + text);
        assertTrue(text.contains("  firing on 25% of the probes or more     1  0.900 (90%) / 0.800 (89%)\n"), text);
    }
}
