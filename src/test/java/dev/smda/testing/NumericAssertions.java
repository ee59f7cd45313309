package dev.smda.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Comparisons of computed arrays with reference values. */
public final class NumericAssertions {

    private NumericAssertions() {}

    /** Every element within {@code tolerance} times the reference's largest magnitude (at least 1). */
    public static void assertClose(double[] expected, double[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            if (err > worst || Double.isNaN(err)) {
                worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                at = i;
            }
        }
        assertTrue(worst <= tolerance * Math.max(1, scale), what + ": max error " + worst + " at " + at + " (scale " + scale + ", tolerance " + tolerance + ")");
    }

    /** Every element within {@code tolerance} times the reference's largest magnitude, however small that is (it must not be zero). */
    public static void assertRelativelyClose(double[] expected, double[] actual, double tolerance, String what) {
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        assertTrue(scale > 0, what + ": the reference is all zero");
        double[] e = expected.clone();
        double[] a = actual.clone();
        for (int i = 0; i < e.length; i++) {
            e[i] /= scale;
            a[i] /= scale;
        }
        assertClose(e, a, tolerance, what + " (relative to " + scale + ")");
    }
}
