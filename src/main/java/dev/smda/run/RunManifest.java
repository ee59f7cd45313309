package dev.smda.run;

import dev.smda.SmdaVersion;
import dev.smda.tensor.Torch;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * run.json: the settings, the inputs with their hashes, the versions that ran, and how the run
 * went: when, in how many seconds, and how those were spent ({@code timings}, seconds per phase of
 * the last session; a resumed run counts only what it did). A resumed run must have the same
 * settings and inputs.
 */
public record RunManifest(RunConfig config, Map<String, InputFingerprint> inputs, Map<String, String> versions, int probes, int pairs,
        int features, String started, String finished, double seconds, Map<String, Double> timings) {

    /** The manifest of a run starting now: the inputs fingerprinted, the versions running it, nothing done yet. */
    public static RunManifest starting(RunConfig config, RunInputs inputs, int probes, int pairs) throws IOException {
        Map<String, InputFingerprint> fingerprints = new LinkedHashMap<>();
        fingerprints.put("model", InputFingerprint.of(inputs.model()));
        fingerprints.put("sae", InputFingerprint.of(inputs.sae()));
        fingerprints.put("probes", InputFingerprint.of(inputs.probes()));
        fingerprints.put("pairs", InputFingerprint.of(inputs.pairs()));
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("smda", SmdaVersion.get());
        versions.put("java", Runtime.version().toString());
        versions.put("engine", "DJL PyTorch " + Torch.version());
        return new RunManifest(config, fingerprints, versions, probes, pairs, 0, java.time.Instant.now().toString(), null, 0, Map.of());
    }

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
