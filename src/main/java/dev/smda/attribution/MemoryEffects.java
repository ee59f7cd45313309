package dev.smda.attribution;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pair effects kept in memory: those already known (given, or measured here) and, apart, those
 * measured since the last {@link #takeMeasured}, for whoever writes them elsewhere.
 */
public final class MemoryEffects implements ExactEstimator.RawEffects {

    private final Map<String, PairEffect> known = new LinkedHashMap<>();
    private final List<PairEffect> measured = new ArrayList<>();

    /** Forgets everything, then knows {@code effects}. */
    public void reset(Collection<PairEffect> effects) {
        known.clear();
        measured.clear();
        effects.forEach(e -> known.put(e.pairId(), e));
    }

    /** The effects measured since the last call (or reset). */
    public List<PairEffect> takeMeasured() {
        List<PairEffect> out = List.copyOf(measured);
        measured.clear();
        return out;
    }

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
        known.put(effect.pairId(), effect);
        measured.add(effect);
    }
}
