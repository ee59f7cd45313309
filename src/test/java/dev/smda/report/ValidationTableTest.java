package dev.smda.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smda.validate.ValidationConfig;
import dev.smda.validate.ValidationResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's LDS table heads each family with its noise ceiling and, where measured, the additive bound. */
class ValidationTableTest {

    @Test
    void theAdditiveBoundStandsUnderTheCeilingWhereItWasMeasured() {
        Map<String, ValidationResult.Ceiling> ceilings = new LinkedHashMap<>();
        ceilings.put("probes", new ValidationResult.Ceiling(0.832, 0.554, 1.0, new ValidationResult.AdditiveBound(0.911, 0.744, 1.049)));
        ceilings.put("categories", new ValidationResult.Ceiling(0.827, 0.533, 1.0, null));
        ValidationResult.FamilyScore score = new ValidationResult.FamilyScore(0.5, 0.4, 0.6, 0.6, null, null);
        ValidationResult v = new ValidationResult("run", ValidationConfig.of(32, 0.5, 2, 1, 1, 7, List.of("random"), null, List.of(), 2, 0, "1e-8", 100), 32, 2,
                100, 1.0, ceilings, List.of(new ValidationResult.MethodResult("random", "random scores", Map.of("probes", score, "categories", score))), null,
                null, null, List.of(), 1.0, Map.of(), "now");
        StringBuilder h = new StringBuilder();
        ValidationCharts.table(h, v);
        String html = h.toString();
        assertTrue(html.contains("ceiling 0.832</span><br><span class=\"muted\" title=\"the share of the ceiling the best sum of per-pair scores reaches,"
                + " 95% interval over subsets\">additive bound 91% [74, 105]</span></th>"), html);
        assertTrue(html.contains("ceiling 0.827</span></th>"), "no bound where none was measured: " + html);
    }
}
