package dev.smda.attribution;

import dev.smda.data.SftPair;
import java.util.ArrayList;
import java.util.List;

/**
 * Each pair's update applied to the base model and the probes re-measured ({@link PairEffects}); the
 * policy's change then decomposed exactly ({@link PolicyDecomposition}). With checkpoints, the
 * policy's change is taken from the effects averaged over them (what predicts fine-tuning on a set
 * best) and refitted where the run asks ({@link dev.smda.run.RunConfig.RefitPoint}); each category's
 * through the policy at the base, from the averaged effects or from the effect on the base model alone
 * ({@link dev.smda.run.RunConfig.CategoryEffects}). The measured ΔX and Δy of every pair are kept by a
 * {@link RawEffects} store as they are made, so a run resumes per pair.
 */
public final class ExactEstimator implements PairEstimator {

    /** Where each pair's measured effect is kept. */
    public interface RawEffects {
        PairEffect read(String pairId);

        boolean has(String pairId);

        void write(PairEffect effect);
    }

    private final PairEffects effects;
    private final PolicyDecomposition atBase;
    private final PolicyDecomposition refit;
    private final int[] category;
    private final int categories;
    private final RawEffects store;
    private final Runnable afterPair;
    private final boolean[] dyAtBase;
    private final boolean categoriesAtBase;

    /**
     * @param atBase the policy's decomposition at the base's features; @param refit where the policy's change is refitted (often {@code atBase})
     * @param category each probe's category index; @param afterPair called after each newly measured pair
     * @param dyAtBase the probes whose Δy the policy's change takes at the base rather than the checkpoints' mean (null: none)
     * @param categoriesAtBase whether the categories' effects come from the update at the base model rather than the checkpoints' mean
     */
    public ExactEstimator(PairEffects effects, PolicyDecomposition atBase, PolicyDecomposition refit, int[] category, int categories, RawEffects store,
            Runnable afterPair, boolean[] dyAtBase, boolean categoriesAtBase) {
        this.effects = effects;
        this.categoriesAtBase = categoriesAtBase;
        this.dyAtBase = dyAtBase == null ? null : dyAtBase.clone();
        this.atBase = atBase;
        this.refit = refit;
        this.category = category.clone();
        this.categories = categories;
        this.store = store;
        this.afterPair = afterPair;
    }

    @Override
    public List<PairAttribution> estimate(List<SftPair> pairs) {
        List<PairAttribution> out = new ArrayList<>();
        for (SftPair pair : pairs) {
            PairEffect e;
            if (store.has(pair.id())) {
                e = store.read(pair.id());
                if (effects.checkpoints() > 1 && e.baseDx() == null) {
                    throw new dev.smda.io.BadInputException("pair '" + pair.id() + "': its stored effect has no effect at the base model beside the "
                            + effects.checkpoints() + " checkpoints' mean (written by an older smda); start the run afresh in a new folder");
                }
            } else {
                e = effects.measure(pair);
                checkFinite(e);
                store.write(e);
                afterPair.run();
            }
            out.add(attribution(e));
        }
        return out;
    }

    /**
     * The policy's change from the effect (averaged over the checkpoints, Δy at the base where asked) refitted at the run's point;
     * the categories' from the averaged effect as measured, or the effect on the base model, at the base.
     */
    private PairAttribution attribution(PairEffect e) {
        PairEffect forPolicy = e.withDyAtBase(dyAtBase);
        Decomposition d = refit.decompose(forPolicy.dx(), forPolicy.dy());
        PairEffect forCategories = categoriesAtBase ? e.atBase() : e;
        double[] baseDelta = forCategories == forPolicy && refit == atBase ? d.delta() : atBase.decompose(forCategories.dx(), forCategories.dy()).delta();
        double meanDy = java.util.Arrays.stream(forPolicy.dy()).average().orElse(0);
        return new PairAttribution(e.pairId(), e.baseLoss(), meanDy, d.delta(), d.dxPart(), d.dyPart(), d.residual(), d.collinearity(), d.output(),
                atBase.categoryEffects(forCategories.dx(), forCategories.dy(), baseDelta, category, categories));
    }

    @Override
    public double[][] refitFeatures() {
        return refit == atBase ? null : refit.features();
    }

    @Override
    public void close() {
        effects.close();
    }

    private static void checkFinite(PairEffect e) {
        for (int i = 0; i < e.dy().length; i++) {
            if (!Double.isFinite(e.dy()[i]) || java.util.Arrays.stream(e.dx()[i]).anyMatch(v -> !Double.isFinite(v))) {
                throw new IllegalStateException("pair " + e.pairId() + ": the update made the model's outputs non-finite (learning rate too high?)");
            }
        }
    }
}
