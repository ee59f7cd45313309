package dev.smda.validate;

import dev.smda.attribution.PairAttribution;
import dev.smda.attribution.PairEffect;
import dev.smda.data.SftPair;
import java.io.IOException;
import java.util.List;

/**
 * SMDA's own estimates, as the run wrote them: each pair's one-update change of the probes' y
 * (exact estimator: measured; the run's Δy source chosen per probe) and of the policy's coefficients, Δβ. With {@code firstOrder}, the
 * first-order form of Δβ instead (the exact estimator's residual + collinearity + output; the
 * gradient estimator's parts are first order already).
 */
record SmdaMethod(boolean firstOrder) implements AttributionMethod {

    /** The run's own estimates, the method every other one is compared with. */
    static final String NAME = "smda";

    @Override
    public String name() {
        return firstOrder ? "smda-first-order" : NAME;
    }

    @Override
    public String description() {
        return firstOrder ? "the run's first-order policy change per pair (ΔW_X + ΔW_Y)" : "the run's per-pair change of y and of the refitted policy, Δβ";
    }

    @Override
    public boolean inTargetUnits() {
        return true;
    }

    @Override
    public Scores attribute(ValidationContext ctx) throws IOException {
        List<PairAttribution> attributions = ctx.run.readAttributions();
        int pairs = ctx.pairs.size();
        if (attributions.size() != pairs) {
            throw new dev.smda.io.BadInputException(ctx.run.root() + ": holds intact attributions of " + attributions.size() + " of its " + pairs
                    + " pairs (unfinished, damaged, or written by an older smda without checksums); complete it with smda run --resume");
        }
        double[][] coefficients = new double[pairs][];
        for (int k = 0; k < pairs; k++) {
            coefficients[k] = firstOrder ? attributions.get(k).firstOrderDelta() : attributions.get(k).delta();
        }
        if (firstOrder) {
            return Scores.of(null, null, coefficients);
        }
        boolean measured = ctx.pairs.stream().allMatch(p -> ctx.run.hasPair(p.id()));
        if (!measured) {
            return Scores.of(null, null, coefficients);
        }
        double[][] probes = new double[pairs][];
        double[][] categories = new double[pairs][];
        boolean[] dyAtBase = ctx.runConfig.dyAtBase(ctx.probes);
        for (int k = 0; k < pairs; k++) {
            SftPair pair = ctx.pairs.get(k);
            PairEffect e = ctx.run.readPair(pair.id()).withDyAtBase(dyAtBase);
            probes[k] = e.dy();
            categories[k] = ctx.targets.categoryMeans(e.dy());
        }
        return Scores.of(probes, categories, coefficients);
    }
}
