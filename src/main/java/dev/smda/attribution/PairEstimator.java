package dev.smda.attribution;

import dev.smda.data.SftPair;
import java.util.List;

/**
 * How a run estimates what each SFT pair does to the policy: by applying its update and re-measuring
 * ({@link ExactEstimator}), or to first order from gradients ({@link GradientEstimator}). The run
 * hands pairs over in chunks and writes what comes back; estimators are interchangeable.
 */
public interface PairEstimator extends AutoCloseable {

    /** The estimates for {@code pairs}, in their order. */
    List<PairAttribution> estimate(List<SftPair> pairs);

    /** The probes' features (probes x policy features) each pair's policy change is refitted at, where not the base's; null at the base. */
    default double[][] refitFeatures() {
        return null;
    }

    @Override
    default void close() {}
}
