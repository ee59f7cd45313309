package dev.smda.validate;

/** Gradient cosine: −cos(∇target, ∇loss(pair)), every weight: the direction of TracIn without its magnitudes. */
record GradientCosineMethod() implements AttributionMethod {

    @Override
    public String name() {
        return "grad-cosine";
    }

    @Override
    public String description() {
        return "−cos(∇target, ∇loss(pair)) at the base model, every weight";
    }

    @Override
    public Scores attribute(ValidationContext ctx) {
        return ctx.plainProducts().cosines(-1);
    }
}
