package dev.smda.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The policy as one line of text, as policy.json, the terminal and the reports show it. */
class PolicyTextTest {

    private static final RidgeFit POLICY = new RidgeFit(new int[] {812, 47, 5}, List.of("weapons", "\"pan\" \u2192 cook", ""), new double[3],
            new double[] {1, 1, 1}, 251, 0.4123, new double[] {0.2051, -0.1184, 0.0101}, true, true, "loo-1se", 0.9, 0.85, List.of(), 10);

    @Test
    void theLargestTermsComeFirstWithTheirSignsAndLabels() {
        assertEquals("y = 0.412 + 0.205 \u00b7 f812 (weapons) \u2212 0.118 \u00b7 f47 (\"pan\" \u2192 cook)  (2 of 3 features shown; standardised features; "
                + "\u03bb = 251)", PolicyText.describe(POLICY, "y", 2));
    }

    @Test
    void itReadsTheSameWhateverTheMachinesLocale() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY); // whose decimal comma would make "0,412" of the intercept
            assertEquals("y = 0.412 + 0.205 \u00b7 f812 (weapons) \u2212 0.118 \u00b7 f47 (\"pan\" \u2192 cook) + 0.010 \u00b7 f5  (3 of 3 features shown; "
                    + "standardised features; \u03bb = 251)", PolicyText.describe(POLICY, "y", 3));
        } finally {
            Locale.setDefault(before);
        }
    }
}
