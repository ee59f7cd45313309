package dev.smda.run;

import java.util.Map;

/**
 * run.json: the settings, the inputs with their hashes, the versions that ran, and how the run
 * went: when, in how many seconds, and how those were spent ({@code timings}, seconds per phase of
 * the last session; a resumed run counts only what it did). A resumed run must have the same
 * settings and inputs.
 */
public record RunManifest(RunConfig config, Map<String, InputFingerprint> inputs, Map<String, String> versions, int probes, int pairs,
        int features, String started, String finished, double seconds, Map<String, Double> timings) {

    /** The phase in which the pairs are estimated, as {@code timings} names it. */
    public static final String ESTIMATION = "estimate the pairs";

    /** Seconds the last session spent estimating the pairs (NaN when it recorded none). */
    public double estimationSeconds() {
        return timings.getOrDefault(ESTIMATION, Double.NaN);
    }

    /** Whether another manifest describes the same computation (settings and inputs). */
    public boolean sameRunAs(RunManifest other) {
        return config.equals(other.config) && inputs.equals(other.inputs);
    }
}
