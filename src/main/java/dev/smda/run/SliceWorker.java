package dev.smda.run;

import dev.smda.attribution.ExactEstimator;
import dev.smda.attribution.PairAttribution;
import dev.smda.attribution.PairEffect;
import dev.smda.attribution.PairEstimator;
import dev.smda.lm.LanguageModel;
import dev.smda.progress.Progress;
import dev.smda.sae.Sae;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One estimator built from a recipe, estimating slice after slice: in the run's own process, or on a
 * cluster's worker. The exact estimator's measured effects stay in memory and go back with each
 * slice's result, so where they are written is the run's business alone.
 */
public final class SliceWorker implements AutoCloseable {

    /** The effects known for the current slice, and those measured for it. */
    private static final class SliceEffects implements ExactEstimator.RawEffects {
        private final Map<String, PairEffect> known = new LinkedHashMap<>();
        private final List<PairEffect> fresh = new ArrayList<>();

        @Override
        public PairEffect read(String pairId) {
            return known.get(pairId);
        }

        @Override
        public boolean has(String pairId) {
            return known.containsKey(pairId);
        }

        @Override
        public void write(PairEffect effect) {
            fresh.add(effect);
        }
    }

    private final SliceEffects effects = new SliceEffects();
    private final PairEstimator estimator;

    public SliceWorker(EstimatorRecipe recipe, LanguageModel lm, Sae sae, Progress.Factory progress) {
        this.estimator = recipe.estimator(lm, sae, effects, progress);
    }

    public PairSlice.Result estimate(PairSlice slice) {
        effects.known.clear();
        effects.fresh.clear();
        for (PairEffect e : slice.measured()) {
            effects.known.put(e.pairId(), e);
        }
        List<PairAttribution> attributions = estimator.estimate(slice.pairs());
        return new PairSlice.Result(slice.index(), attributions, List.copyOf(effects.fresh));
    }

    @Override
    public void close() {
        estimator.close();
    }
}
