package dev.smda.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smda.policy.RidgeFit;
import dev.smda.validate.CoefficientFidelity;
import dev.smda.validate.ValidationConfig;
import dev.smda.validate.ValidationResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The report's LDS table heads each family with its noise ceiling and, where measured, the additive
 * bound and one more retraining's LDS, beside which each method's stands; its per-coefficient table
 * shows each largest coefficient's own LDS.
 */
class ValidationTableTest {

    @Test
    void theAdditiveBoundAndOneMoreRetrainingStandUnderTheCeilingWhereMeasured() {
        Map<String, ValidationResult.Ceiling> ceilings = new LinkedHashMap<>();
        ceilings.put("probes", new ValidationResult.Ceiling(0.832, 0.554, 1.0, new ValidationResult.AdditiveBound(0.911, 0.744, 1.049), 0.665));
        ceilings.put("categories", new ValidationResult.Ceiling(0.827, 0.533, 1.0, null, null));
        ValidationResult.FamilyScore probes = new ValidationResult.FamilyScore(0.5, 0.4, 0.6, 0.6, null, null, new ValidationResult.Difference(0.064, 0.01, 0.12));
        ValidationResult.FamilyScore categories = new ValidationResult.FamilyScore(0.5, 0.4, 0.6, 0.6, null, null, null);
        ValidationResult v = new ValidationResult("run", ValidationConfig.of(32, 0.5, 2, 1, 1, 7, List.of("random"), null, List.of(), 2, 0, "1e-8", 100), 32, 2,
                100, 1.0, ceilings, List.of(new ValidationResult.MethodResult("random", "random scores", Map.of("probes", probes, "categories", categories))), null,
                null, null, List.of(), 1.0, Map.of(), "now");
        StringBuilder h = new StringBuilder();
        ValidationCharts.table(h, v);
        String html = h.toString();
        assertTrue(html.contains("ceiling 0.832</span><br><span class=\"muted\" title=\"the share of the ceiling the best sum of per-pair scores reaches,"
                + " 95% interval over subsets\">additive bound 91% [74, 105]</span><br>"), html);
        assertTrue(html.contains("additive bound 91% [74, 105]</span><br><span class=\"muted\" title=\"" + ValidationResult.ONE_RETRAINING
                + "\">one more retraining 0.665</span></th>"), html);
        assertTrue(html.contains("ceiling 0.827</span></th>"), "no bound, no retraining where none was measured: " + html);
        assertTrue(html.contains("(60%)<br><span class=\"muted\" title=\"against the mean of the other retrainings, this method&#39;s LDS minus one more "
                + "retraining&#39;s (each held out in turn), paired 95% bootstrap interval over the same subsets\">vs one more retraining +0.064 [+0.010, +0.120]</span></td>"),
                html);
        assertTrue(html.indexOf("vs one more retraining") == html.lastIndexOf("vs one more retraining"), "only where it was measured: " + html);
    }

    @Test
    void eachLargestCoefficientLinksToItsFeatureWithItsScoreAndShareOfTheCeiling() {
        // four coefficients whose features fire on 25%, 25%, 50% and 100% of the probes; the second never changed
        CoefficientFidelity f = new CoefficientFidelity(new double[] {0.4, Double.NaN, 0.6, 0.9}, new double[] {0.8, 0.6, 0.9, 1.0},
                new double[] {0.2, 0.1, 0.5, 0.8}, new double[] {0.7, 0.5, 0.8, 0.9}, new double[] {0.25, 0.25, 0.5, 1.0});
        RidgeFit policy = new RidgeFit(new int[] {11, 22, 33, 44}, List.of("weapons", "cooking", "self <harm>", "sorry"), new double[4], new double[] {1, 1, 1, 1},
                1.0, 0.0, new double[] {0.1, -0.2, 0.3, -0.9}, true, true, "loo-1se", 0.9, 0.8, List.of(), 4);
        StringBuilder h = new StringBuilder();
        ValidationCharts.coefficients(h, f, policy, new int[] {3, 1});
        String html = h.toString();
        assertTrue(html.contains("<td>of features firing on 25% of the probes or more</td><td>4</td><td>0.633 (0.900, 70%)</td>"), html);
        assertTrue(html.contains("<td>the 2 largest, listed below</td><td>2</td><td>0.900 (1.000, 90%)</td><td>0.450 (0.700, 64%)</td>"), html);
        assertTrue(html.contains("<a href=\"#feature-44\">f44</a> sorry</td><td>-0.900</td><td>100.0%</td><td>0.900 (1.000, 90%)</td><td>0.800 (0.900, 89%)</td>"),
                html);
        assertTrue(html.contains("<a href=\"#feature-22\">f22</a> cooking</td><td>-0.200</td><td>25.0%</td><td>not defined</td><td>0.100 (0.500, 20%)</td>"), html);
        assertTrue(!html.contains("f33") && html.indexOf("f44") < html.indexOf("f22"), "the columns asked for, in their order");

        CoefficientFidelity oneOrder = new CoefficientFidelity(f.lds(), new double[4], f.ldsReencoded(), new double[4], f.firing());
        StringBuilder without = new StringBuilder();
        ValidationCharts.coefficients(without, oneOrder, policy, new int[] {3});
        assertTrue(without.toString().contains("f44</a> sorry</td><td>-0.900</td><td>100.0%</td><td>0.900 (no ceiling)</td><td>0.800 (no ceiling)</td>"), "no ceiling, no share: " + without);
    }
}
