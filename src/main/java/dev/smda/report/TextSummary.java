package dev.smda.report;

import dev.smda.analysis.Analysis;
import dev.smda.analysis.CategoryGap;
import dev.smda.analysis.Interference;
import dev.smda.policy.PolicyText;
import dev.smda.policy.RidgeFit;
import dev.smda.run.RunConfig;
import java.nio.file.Path;

/** The few lines a run prints when it ends: the policy, flagged gaps, the top interfering pairs. */
public final class TextSummary {

    private TextSummary() {}

    public static String of(Path runDir, RidgeFit policy, Analysis analysis, RunConfig config, double seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%nSymbolic policy: %d features, lambda %.3g, R^2 %.3f in sample, %.3f cross-validated (leave-one-out)%n",
                policy.features(), policy.lambda(), policy.r2(), policy.cvR2()));
        for (PolicyText.Term t : PolicyText.topTerms(policy, 8)) {
            sb.append(String.format("  %+8.4f  %s%n", t.coefficient(), Charts.named(String.format("feature %-5d", t.feature()), t.label()).stripTrailing()));
        }
        long flagged = analysis.gaps().stream().filter(CategoryGap::flagged).count();
        sb.append(String.format("%nCategory gaps: %d flagged%n", flagged));
        for (CategoryGap g : analysis.gaps()) {
            if (g.flagged()) {
                sb.append("  ").append(g.category()).append(": ").append(g.evidence()).append('\n');
            }
        }
        long flaggedPairs = analysis.interference().stream().filter(Interference.Entry::flagged).count();
        sb.append(String.format("%nInterference: %d pairs flagged (each %s)%n", flaggedPairs, config.flaggedMeans()));
        int shown = 0;
        for (Interference.Entry e : analysis.interference()) {
            if (shown++ == 8 || !e.flagged()) {
                break;
            }
            sb.append(String.format("  %-10s says %-22s score %+.4f, mostly on %-20s through %s%n", e.pair(), e.category(), e.score(),
                    e.mostAffectedCategory(), Charts.named("feature " + e.dominantFeature(), e.dominantLabel())));
        }
        if (analysis.curation() != null) {
            var c = analysis.curation();
            sb.append(String.format("%nCuration: removed %d of %d pairs. Refusal F1 %.3f (base) -> %.3f (all pairs) -> %.3f (kept pairs)%n",
                    c.removed().size(), c.removed().size() + c.kept().size(), c.base().f1(), c.allPairs().f1(), c.curated().f1()));
        }
        sb.append(String.format("%nWrote %s in %.0f s (run.json, base.safetensors, policy.json, pairs/, attribution/, analysis.json)%n", runDir, seconds));
        return sb.toString();
    }
}
