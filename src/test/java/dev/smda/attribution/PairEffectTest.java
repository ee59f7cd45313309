package dev.smda.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;

class PairEffectTest {

    @Test
    void averagingOverCheckpointsKeepsTheFirstTheBaseApart() {
        PairEffect base = new PairEffect("p", new double[][] {{1.0, 2.0}}, new double[] {4.0}, 0.3);
        PairEffect later = new PairEffect("p", new double[][] {{3.0, -2.0}}, new double[] {0.0}, 0.3);
        PairEffect mean = PairEffect.averaged(List.of(base, later));
        assertArrayEquals(new double[][] {{2.0, 0.0}}, mean.dx());
        assertArrayEquals(new double[] {2.0}, mean.dy());
        assertArrayEquals(base.dx(), mean.atBase().dx());
        assertArrayEquals(base.dy(), mean.atBase().dy());
        assertSame(base, PairEffect.averaged(List.of(base)), "one checkpoint: the base's effect itself");
    }
}
