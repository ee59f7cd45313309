package dev.smda.validate;

import dev.smda.attribution.PolicySensitivity;
import dev.smda.data.Probe;
import dev.smda.data.SftPair;
import dev.smda.lm.LanguageModel;
import dev.smda.measure.Measurement;
import dev.smda.measure.ProbeMeasurer;
import dev.smda.policy.RidgeFit;
import dev.smda.progress.Progress;
import dev.smda.run.RunConfig;
import dev.smda.run.RunDirectory;
import dev.smda.train.SftConfig;
import dev.smda.train.SftExample;
import java.util.List;
import java.util.Map;

/**
 * Everything a method attributes with: the run's model, probes, pairs (as training examples), policy
 * and base measurement; a measurer frozen at the base's gates (for gradients of the features); the
 * targets; and shared intermediate results, computed once for every method that needs them.
 */
final class ValidationContext {

    final LanguageModel lm;
    final List<Probe> probes;
    final List<SftPair> pairs;
    final Map<String, SftExample> examples;
    final RunConfig runConfig;
    final RunDirectory run;
    final RidgeFit policy;
    final Measurement base;
    final ProbeMeasurer frozen;
    final PolicySensitivity sensitivity;
    final Targets targets;
    final SftConfig update;
    final ValidationConfig config;
    final Progress.Factory progress;
    private InnerProducts plain;
    private InnerProducts ekfac;

    ValidationContext(LanguageModel lm, List<Probe> probes, List<SftPair> pairs, Map<String, SftExample> examples, RunConfig runConfig, RunDirectory run,
            RidgeFit policy, Measurement base, ProbeMeasurer frozen, Targets targets, ValidationConfig config, Progress.Factory progress) {
        this.lm = lm;
        this.probes = probes;
        this.pairs = pairs;
        this.examples = examples;
        this.runConfig = runConfig;
        this.run = run;
        this.policy = policy;
        this.base = base;
        this.frozen = frozen;
        this.sensitivity = PolicySensitivity.of(policy, base.x(), base.y());
        this.targets = targets;
        this.update = runConfig.update().toSftConfig(runConfig.seed());
        this.config = config;
        this.progress = progress;
    }

    List<SftExample> pairExamples() {
        return pairs.stream().map(p -> examples.get(p.id())).toList();
    }

    /** The pairs' loss gradients against every target's, over every weight (computed once, with the EK-FAC products). */
    InnerProducts plainProducts() {
        products();
        return plain;
    }

    private void products() {
        if (plain == null) {
            InnerProducts[] both = GradientProducts.plainAndEkfac(this);
            plain = both[0];
            ekfac = both[1];
        }
    }

    /** The same with the targets' gradients preconditioned by EK-FAC curvature, over the linear modules (computed once). */
    InnerProducts ekfacProducts() {
        products();
        return ekfac;
    }
}
