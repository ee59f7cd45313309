package dev.smda.validate;

/**
 * Influence functions with EK-FAC curvature, as kronfluence computes them: −⟨(G + λI)⁻¹∇target,
 * ∇loss(pair)⟩ over the linear modules (every block projection and the unembedding), G the
 * eigenvalue-corrected Kronecker-factored Fisher of the pairs' loss with sampled labels; damping λ
 * kronfluence's default 1e-8 unless set ("heuristic": 0.1 × the mean eigenvalue).
 */
record EkfacMethod() implements AttributionMethod {

    @Override
    public String name() {
        return "ekfac";
    }

    @Override
    public String description() {
        return "−⟨(EK-FAC + λ)⁻¹ ∇target, ∇loss(pair)⟩ over the linear modules (kronfluence's)";
    }

    @Override
    public Scores attribute(ValidationContext ctx) {
        return ctx.ekfacProducts().scaled(-1);
    }
}
