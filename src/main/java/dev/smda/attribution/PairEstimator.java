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

    @Override
    default void close() {}
}
