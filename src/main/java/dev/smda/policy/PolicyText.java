package dev.smda.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** The symbolic policy as text a person reads: its largest terms, with feature labels. */
public final class PolicyText {

    private PolicyText() {}

    /** One term of the policy. */
    public record Term(int feature, String label, double coefficient) {}

    /** The {@code count} terms with the largest coefficients by magnitude. */
    public static List<Term> topTerms(RidgeFit policy, int count) {
        List<Term> terms = new ArrayList<>();
        for (int j = 0; j < policy.features(); j++) {
            terms.add(new Term(policy.featureIds()[j], policy.featureLabels().get(j), policy.coef()[j]));
        }
        terms.sort(Comparator.comparingDouble((Term t) -> -Math.abs(t.coefficient())));
        return terms.subList(0, Math.min(count, terms.size()));
    }

    /**
     * E.g. {@code y = 0.412 + 0.205 · f812 (weapons) − 0.118 · f47 ("pan" → cook) + ... (12 of 300 features shown; standardised)}.
     */
    public static String describe(RidgeFit policy, String behaviour, int count) {
        StringBuilder sb = new StringBuilder(behaviour).append(" = ").append(String.format(Locale.ROOT, "%.3f", policy.intercept()));
        for (Term t : topTerms(policy, count)) {
            sb.append(t.coefficient() < 0 ? " \u2212 " : " + ").append(String.format(Locale.ROOT, "%.3f", Math.abs(t.coefficient())))
                    .append(" \u00b7 f").append(t.feature()).append(t.label().isEmpty() ? "" : " (" + t.label() + ")");
        }
        sb.append(String.format(Locale.ROOT, "  (%d of %d features shown; %s features; \u03bb = %.3g)", Math.min(count, policy.features()), policy.features(),
                policy.standardize() ? "standardised" : "raw", policy.lambda()));
        return sb.toString();
    }
}
