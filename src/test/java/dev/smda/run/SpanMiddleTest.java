package dev.smda.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.smda.measure.Measurement;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Which checkpoints' features the policy's change is refitted at: those halfway along the span. */
class SpanMiddleTest {

    /** K checkpoints whose one feature on one probe is the checkpoint's index. */
    private static List<Measurement> checkpoints(int k) {
        return IntStream.range(0, k).mapToObj(c -> new Measurement(new double[] {0.5}, new double[] {0}, new double[][] {{c}}, new int[] {7}, null)).toList();
    }

    @Test
    void checkpointHalfOfAnEvenNumberLiesInTheMiddle() {
        assertArrayEquals(new double[][] {{1}}, EstimatorRecipe.spanMiddle(checkpoints(2)));
        assertArrayEquals(new double[][] {{2}}, EstimatorRecipe.spanMiddle(checkpoints(4)), "of 0, ¼, ½, ¾ of the span");
        assertArrayEquals(new double[][] {{4}}, EstimatorRecipe.spanMiddle(checkpoints(8)));
    }

    @Test
    void anOddNumberAveragesTheTwoAroundTheMiddle() {
        assertArrayEquals(new double[][] {{1.5}}, EstimatorRecipe.spanMiddle(checkpoints(3)), "of 0, ⅓, ⅔ of the span");
        assertArrayEquals(new double[][] {{2.5}}, EstimatorRecipe.spanMiddle(checkpoints(5)));
    }
}
