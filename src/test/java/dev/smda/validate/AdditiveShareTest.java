package dev.smda.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smda.io.Json;
import dev.smda.testing.Fixtures;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The additive bound against numpy's estimator and on worlds whose share is known. */
class AdditiveShareTest {

    @Test
    void matchesTheNumpyEstimatorOverEverySubsetAndOverADrawThatRepeatsSome() throws Exception {
        JsonNode f = Json.read(Fixtures.path("validate/additive-share.json"));
        AdditiveShare share = new AdditiveShare(Json.MAPPER.treeToValue(f.get("membership"), double[][].class),
                Json.MAPPER.treeToValue(f.get("outcomes"), double[][][].class));
        assertEquals(f.get("share").asDouble(), share.share(), 1e-12);
        assertEquals(f.get("share_of_draw").asDouble(), share.share(Json.MAPPER.treeToValue(f.get("draw"), int[].class)), 1e-12);
    }

    /**
     * Outcomes that are a sum of per-pair effects plus order noise: the share is 1 (up to the
     * estimate's own error); outcomes that depend only on whether two particular pairs come
     * together, XOR-like, have no additive part: about 0.
     */
    @Test
    void anAdditiveWorldGivesOneAndAPureInteractionAboutZero() {
        Random r = new Random(3);
        int subsets = 300;
        int pairs = 40;
        double[][] membership = new double[subsets][pairs];
        for (double[] row : membership) {
            int[] order = r.ints(0, pairs).distinct().limit(pairs / 2).toArray();
            for (int i : order) {
                row[i] = 1;
            }
        }
        double[] effect = r.doubles(pairs).map(v -> v - 0.5).toArray();
        double[][][] additive = new double[2][subsets][1];
        double[][][] interaction = new double[2][subsets][1];
        for (int rep = 0; rep < 2; rep++) {
            for (int s = 0; s < subsets; s++) {
                double sum = 0;
                for (int i = 0; i < pairs; i++) {
                    sum += effect[i] * membership[s][i];
                }
                additive[rep][s][0] = sum + 0.3 * r.nextGaussian();
                interaction[rep][s][0] = (membership[s][0] == membership[s][1] ? 1 : -1) + 0.3 * r.nextGaussian();
            }
        }
        double whenAdditive = new AdditiveShare(membership, additive).share();
        double whenInteracting = new AdditiveShare(membership, interaction).share();
        System.out.printf("additive bound: %.3f on an additive world, %.3f on a purely interacting one%n", whenAdditive, whenInteracting);
        assertTrue(Math.abs(whenAdditive - 1) < 0.1, "additive world: " + whenAdditive);
        assertTrue(whenInteracting < 0.3, "pure interaction: " + whenInteracting);
    }
}
