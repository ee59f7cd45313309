package dev.smda.run;

import dev.smda.attribution.MemoryEffects;
import dev.smda.attribution.PairAttribution;
import dev.smda.attribution.PairEstimator;
import dev.smda.execute.Worker;
import dev.smda.lm.LanguageModel;
import dev.smda.progress.Progress;
import dev.smda.sae.Sae;
import dev.smda.execute.WorkerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.List;

/**
 * One estimator built from a recipe, estimating slice after slice: in the run's own process, or on a
 * cluster's executor ({@link Factory}). The exact estimator's measured effects stay in memory and go back with each
 * slice's result, so where they are written is the run's business alone.
 */
public final class SliceWorker implements Worker<PairSlice, PairSlice.Result> {

    private final MemoryEffects effects = new MemoryEffects();
    private final PairEstimator estimator;
    /** Sent once, with the first result: the same for every slice. */
    private double[][] refitFeatures;

    public SliceWorker(EstimatorRecipe recipe, LanguageModel lm, Sae sae, Progress.Factory progress) {
        this.estimator = recipe.estimator(lm, sae, effects, progress);
        this.refitFeatures = estimator.refitFeatures();
    }

    @Override
    public PairSlice.Result apply(PairSlice slice) {
        effects.reset(slice.measured());
        List<PairAttribution> attributions = estimator.estimate(slice.pairs());
        PairSlice.Result result = new PairSlice.Result(attributions, effects.takeMeasured(), refitFeatures);
        refitFeatures = null;
        return result;
    }

    @Override
    public void close() {
        estimator.close();
    }

    /** Opens the recipe's model and SAE and a worker on them, for a cluster's executor. */
    public static final class Factory implements WorkerFactory<PairSlice, PairSlice.Result> {

        @Override
        public Class<PairSlice> taskType() {
            return PairSlice.class;
        }

        @Override
        public Class<PairSlice.Result> resultType() {
            return PairSlice.Result.class;
        }

        @Override
        public Worker<PairSlice, PairSlice.Result> open(String json, UnaryOperator<Path> locate) {
            EstimatorRecipe recipe = EstimatorRecipe.fromJson(json);
            RunInputs in = recipe.inputs();
            RunInputs here = new RunInputs(locate.apply(in.model()), locate.apply(in.sae()), in.probes(), recipe.config().update().checkpoints() > 1
                    && recipe.config().estimator() == RunConfig.Estimator.EXACT ? locate.apply(in.pairs()) : in.pairs());
            EstimatorRecipe local = new EstimatorRecipe(recipe.config(), here, recipe.probes(), recipe.base(), recipe.policy(), recipe.category(),
                    recipe.categories());
            OpenedModel opened;
            try {
                opened = OpenedModel.open(here.model(), here.sae(), recipe.config());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                return new SliceWorker(local, opened.lm(), opened.sae(), Progress.SILENT).alsoClosing(opened);
            } catch (RuntimeException e) {
                opened.close();
                throw e;
            }
        }
    }
}
