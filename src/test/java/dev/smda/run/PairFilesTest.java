package dev.smda.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smda.attribution.PairEffect;
import dev.smda.io.Json;
import dev.smda.io.SafeTensorsFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pair's measured effect as the run keeps it in pairs/, and as a cluster task returns it (JSON). */
class PairFilesTest {

    @TempDir
    Path dir;

    private static final PairEffect AVERAGED = new PairEffect("pair-7", new double[][] {{0.5, -1.25}, {0.0, 2.0}, {3.5, 0.125}}, new double[] {0.1, -0.2, 0.3},
            1.75, new double[][] {{1.0, -2.0}, {0.5, 4.0}, {7.0, 0.25}}, new double[] {0.4, -0.8, 0.6});

    @Test
    void anAveragedEffectKeepsItsEffectAtTheBaseInItsFile() throws Exception {
        RunDirectory run = new RunDirectory(dir);
        run.writePair(AVERAGED);
        assertTrue(run.hasPair("pair-7"));
        PairEffect read = run.readPair("pair-7");
        assertEffectEquals(AVERAGED, read);
        assertArrayEquals(AVERAGED.baseDy(), read.atBase().dy());
        assertNull(read.atBase().baseDx());
        try (SafeTensorsFile st = SafeTensorsFile.open(run.pairFile("pair-7"))) {
            assertEquals(java.util.Set.of("dX", "dy", "base_dX", "base_dy"), st.names());
            assertArrayEquals(new long[] {3, 2}, st.shape("base_dX"));
        }
    }

    @Test
    void anEffectAtTheBaseAloneIsItsOwnBaseAndWritesNoSecondCopy() throws Exception {
        PairEffect one = new PairEffect("pair-8", new double[][] {{1.0}, {2.0}}, new double[] {0.5, 0.25}, 0.5);
        assertSame(one, one.atBase());
        RunDirectory run = new RunDirectory(dir);
        run.writePair(one);
        PairEffect read = run.readPair("pair-8");
        assertEffectEquals(one, read);
        assertNull(read.baseDx());
        try (SafeTensorsFile st = SafeTensorsFile.open(run.pairFile("pair-8"))) {
            assertEquals(java.util.Set.of("dX", "dy"), st.names());
        }
    }

    @Test
    void anEffectTravelsThroughJsonWhole() throws Exception {
        for (PairEffect e : List.of(AVERAGED, AVERAGED.atBase())) {
            PairEffect back = Json.MAPPER.readValue(Json.compact(e), PairEffect.class);
            assertEffectEquals(e, back);
        }
    }

    private static void assertEffectEquals(PairEffect expected, PairEffect actual) {
        assertEquals(expected.pairId(), actual.pairId());
        assertEquals(expected.baseLoss(), actual.baseLoss());
        assertArrayEquals(expected.dy(), actual.dy());
        assertArrayEquals(expected.dx(), actual.dx());
        assertArrayEquals(expected.baseDy(), actual.baseDy());
        assertArrayEquals(expected.baseDx(), actual.baseDx());
    }
}
