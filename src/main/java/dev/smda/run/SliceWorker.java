package dev.smda.run;

import dev.smda.attribution.ExactEstimator;
import dev.smda.attribution.PairAttribution;
import dev.smda.attribution.PairEffect;
import dev.smda.attribution.PairEstimator;
import dev.smda.execute.Worker;
import dev.smda.lm.LanguageModel;
import dev.smda.progress.Progress;
import dev.smda.sae.Sae;
import ai.djl.ndarray.types.DataType;
import dev.smda.execute.WorkerFactory;
import dev.smda.lm.Models;
import dev.smda.sae.SaeFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.function.UnaryOperator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One estimator built from a recipe, estimating slice after slice: in the run's own process, or on a
 * cluster's executor ({@link Factory}). The exact estimator's measured effects stay in memory and go back with each
 * slice's result, so where they are written is the run's business alone.
 */
public final class SliceWorker implements Worker<PairSlice, PairSlice.Result> {

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

    @Override
    public PairSlice.Result apply(PairSlice slice) {
        effects.known.clear();
        effects.fresh.clear();
        for (PairEffect e : slice.measured()) {
            effects.known.put(e.pairId(), e);
        }
        List<PairAttribution> attributions = estimator.estimate(slice.pairs());
        return new PairSlice.Result(attributions, List.copyOf(effects.fresh));
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
            DataType dtype = Models.dtype(recipe.config().dtype());
            LanguageModel model = null;
            Sae sae = null;
            try {
                model = Models.open(here.model(), dtype);
                sae = SaeFiles.load(here.sae(), dtype, null);
                SliceWorker worker = new SliceWorker(local, model.withChatDate(recipe.config().chatDate()), sae, Progress.SILENT);
                return new Owning(worker, model, sae);
            } catch (IOException | RuntimeException e) {
                closeAll(sae, model);
                throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
            }
        }
    }

    /** A worker that closes the model and SAE it was opened on. */
    private record Owning(SliceWorker worker, LanguageModel model, Sae sae) implements Worker<PairSlice, PairSlice.Result> {
        @Override
        public PairSlice.Result apply(PairSlice slice) {
            return worker.apply(slice);
        }

        @Override
        public void close() {
            worker.close();
            closeAll(sae, model);
        }
    }

    private static void closeAll(Sae sae, LanguageModel model) {
        if (sae != null) {
            sae.close();
        }
        if (model != null) {
            model.close();
        }
    }
}
