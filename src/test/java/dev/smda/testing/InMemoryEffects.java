package dev.smda.testing;

import dev.smda.attribution.ExactEstimator;
import dev.smda.attribution.PairEffect;
import java.util.HashMap;
import java.util.Map;

/** Keeps the exact estimator's per-pair effects in memory (tests need no run directory). */
public final class InMemoryEffects implements ExactEstimator.RawEffects {

    private final Map<String, PairEffect> effects = new HashMap<>();

    @Override
    public PairEffect read(String pairId) {
        return effects.get(pairId);
    }

    @Override
    public boolean has(String pairId) {
        return effects.containsKey(pairId);
    }

    @Override
    public void write(PairEffect effect) {
        effects.put(effect.pairId(), effect);
    }
}
