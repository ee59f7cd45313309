package dev.smda.run;

import dev.smda.attribution.PairAttribution;
import dev.smda.attribution.PairEffect;
import dev.smda.data.SftPair;
import java.util.List;

/**
 * Pairs an executor estimates together: consecutive pairs of one attribution chunk, with the
 * effects the exact estimator already measured for some of them (a resumed run does not measure a
 * pair twice).
 *
 * @param offset where the first pair stands in its chunk
 */
public record PairSlice(int chunk, int offset, List<SftPair> pairs, List<PairEffect> measured) {

    /**
     * What came of a slice: the pairs' estimates in order, the effects measured for it now, and in a
     * worker's first result the features the policy's changes are refitted at where not the base's
     * (else null; see {@link dev.smda.attribution.PairEstimator#refitFeatures}).
     */
    public record Result(List<PairAttribution> attributions, List<PairEffect> measured, double[][] refitFeatures) {}
}
