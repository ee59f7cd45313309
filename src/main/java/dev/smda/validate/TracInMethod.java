package dev.smda.validate;

/**
 * TracIn at the base checkpoint: −η·⟨∇target, ∇loss(pair)⟩ with the run's learning rate and steps,
 * every weight: the first-order change one SGD update on the pair makes to the target (Pruthi et
 * al., 2020, one checkpoint). For a coefficient, the target's gradient is that of its first-order
 * change through the refit; so on coefficients TracIn equals SMDA's gradient estimator with SGD.
 */
record TracInMethod() implements AttributionMethod {

    @Override
    public String name() {
        return "tracin";
    }

    @Override
    public String description() {
        return "−lr · ⟨∇target, ∇loss(pair)⟩ at the base model, every weight";
    }

    @Override
    public boolean inTargetUnits() {
        return true;
    }

    @Override
    public Scores attribute(ValidationContext ctx) {
        return ctx.plainProducts().scaled(-ctx.update.learningRate() * ctx.update.steps());
    }
}
