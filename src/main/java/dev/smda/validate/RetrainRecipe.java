package dev.smda.validate;

import dev.smda.attribution.PairEffects;
import dev.smda.data.DataSets;
import dev.smda.data.Probe;
import dev.smda.data.SftPair;
import dev.smda.execute.Worker;
import dev.smda.execute.WorkerFactory;
import dev.smda.io.Json;
import dev.smda.lm.LanguageModel;
import dev.smda.measure.Measurement;
import dev.smda.measure.ProbeMeasurer;
import dev.smda.measure.ProbeTokens;
import dev.smda.measure.RefusalOpenings;
import dev.smda.policy.RidgeFit;
import dev.smda.run.OpenedModel;
import dev.smda.run.RunConfig;
import dev.smda.run.RunInputs;
import dev.smda.sae.Sae;
import dev.smda.train.SftExample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * What every retraining of a validation is built from: the run's settings and inputs, its probes and
 * policy, the base measurement (with the gates a linearised run freezes), and the retraining
 * procedure. The validation builds its {@link Retrainer} from it in-process, and a cluster's
 * executors build the same one ({@link Factory}).
 */
record RetrainRecipe(RunConfig runConfig, RunInputs inputs, List<Probe> probes, RidgeFit policy, Measurement base, int epochs, int batchSize) {

    /** One retraining: the pairs' ids in training order (epochs included). */
    record Retraining(List<String> order) {}

    /** The probes measured as the run measures them, with the SAE's own encoder. */
    static ProbeMeasurer exactMeasurer(RunConfig runConfig, List<Probe> probes, RidgeFit policy, LanguageModel lm, Sae sae) {
        List<ProbeTokens> tokens = probes.stream().map(p -> ProbeTokens.of(lm.tokenizer(), lm.chat(), p.prompt())).toList();
        return new ProbeMeasurer(tokens, RefusalOpenings.of(lm.tokenizer(), runConfig.refusalOpenings()), runConfig.behaviour(), runConfig.pooling(), sae,
                policy.featureIds(), runConfig.batchSize(), runConfig.encoding());
    }

    /** What a validation works with on an open model: both measurers, every pair's example, and the retrainer. */
    record Setup(ProbeMeasurer exact, ProbeMeasurer frozen, Map<String, SftExample> examples, Retrainer retrainer) {}

    Setup setUp(LanguageModel lm, Sae sae, List<SftPair> pairs) {
        ProbeMeasurer exact = exactMeasurer(runConfig, probes, policy, lm, sae);
        ProbeMeasurer frozen = exact.frozenAt(base);
        Map<String, SftExample> examples = new LinkedHashMap<>();
        pairs.forEach(p -> examples.put(p.id(), PairEffects.example(lm, p, runConfig.maxLength())));
        boolean linearized = runConfig.featureChange() == RunConfig.FeatureChange.LINEARIZED;
        Retrainer retrainer = new Retrainer(lm, examples, runConfig.update().toSftConfig(runConfig.seed()), epochs, batchSize, linearized ? frozen : exact,
                policy);
        return new Setup(exact, frozen, examples, retrainer);
    }

    /** A worker that retrains with {@code retrainer}. */
    static Worker<Retraining, Retrainer.Outcome> worker(Retrainer retrainer, List<SftPair> pairs) {
        Map<String, SftPair> byId = new LinkedHashMap<>();
        pairs.forEach(p -> byId.put(p.id(), p));
        return new Worker<>() {
            @Override
            public Retrainer.Outcome apply(Retraining task) {
                return retrainer.trainAndMeasure(task.order().stream().map(byId::get).toList());
            }

            @Override
            public void close() {}
        };
    }

    String toJson() {
        return Json.compact(this);
    }

    /** Opens the recipe's model and SAE and a retraining worker on them, for a cluster's executor. */
    public static final class Factory implements WorkerFactory<Retraining, Retrainer.Outcome> {

        @Override
        public Class<Retraining> taskType() {
            return Retraining.class;
        }

        @Override
        public Class<Retrainer.Outcome> resultType() {
            return Retrainer.Outcome.class;
        }

        @Override
        public Worker<Retraining, Retrainer.Outcome> open(String json, UnaryOperator<Path> locate) {
            RetrainRecipe recipe;
            try {
                recipe = Json.MAPPER.readValue(json, RetrainRecipe.class);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            OpenedModel opened;
            List<SftPair> pairs;
            try {
                pairs = DataSets.pairs(locate.apply(recipe.inputs().pairs()));
                opened = OpenedModel.open(locate.apply(recipe.inputs().model()), locate.apply(recipe.inputs().sae()), recipe.runConfig());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                return worker(recipe.setUp(opened.lm(), opened.sae(), pairs).retrainer(), pairs).alsoClosing(opened);
            } catch (RuntimeException e) {
                opened.close();
                throw e;
            }
        }
    }
}
