package dev.smda.cli;

import dev.smda.attribution.ReferenceTrajectory;
import dev.smda.io.BadInputException;
import dev.smda.measure.Behaviour;
import dev.smda.measure.FeatureEncoding;
import dev.smda.measure.Pooling;
import dev.smda.policy.RidgeOptions;
import dev.smda.progress.Progress;
import dev.smda.execute.Executor;
import dev.smda.run.RunConfig;
import dev.smda.run.RunInputs;
import dev.smda.run.SmdaRun;
import dev.smda.train.SftConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Symbolic Mechanistic Data Attribution: fit the refusal policy on SAE features of the probes, apply each SFT pair's update, "
            + "and decompose the policy change into its dX and dY pathways; then category gaps, harmful vs harmless pairs and interference.",
            "Options left out take the preset's values (smda's defaults, or the paper's with --preset paper)."})
final class RunCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "Hugging Face model folder or GGUF file.")
    Path model;

    @Option(names = "--sae", required = true, paramLabel = "DIR", description = "SAE folder (SAELens or sparsify); its features.json labels features.")
    Path sae;

    @Option(names = "--probes", required = true, paramLabel = "FILE", description = "probes.jsonl: id, prompt, category, harmful.")
    Path probes;

    @Option(names = "--pairs", required = true, paramLabel = "FILE", description = "pairs.jsonl: id, prompt, response, category, harmful.")
    Path pairs;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run directory (created; must be new unless --resume).")
    Path out;

    @Option(names = "--resume", description = "Continue an interrupted run in --out (same inputs and settings).")
    boolean resume;

    @Option(names = "--preset", defaultValue = "smda", description = "smda (default) or paper.")
    String preset;

    @Option(names = "--openings", split = "\\|", paramLabel = "TEXT", description = "Refusal openings, '|'-separated (default: I can't|I cannot|I'm sorry|...; paper: I can't|I cannot).")
    List<String> openings;

    @Option(names = "--behaviour", description = "y: log-odds (default), probability or log-probability (paper).")
    String behaviour;

    @Option(names = "--pooling", description = "Feature positions: mean or max over the user message, last prompt token, or eot (default: last; paper: eot).")
    String pooling;

    @Option(names = "--encoding", description = "sae (the SAE's own encoder) or dense-relu (ReLU(hW+b), the paper's).")
    String encoding;

    @Option(names = "--selection", description = "Policy features: active (fire on >= threshold of probes; default) or contrast (|harmful mean - harmless mean| > threshold; paper).")
    String selection;

    @Option(names = "--selection-threshold", description = "Threshold of the selection (default: 0.02 active, 0.1 contrast).")
    Double selectionThreshold;

    @Option(names = "--max-features", description = "Keep at most this many selected features (0: all).")
    Integer maxFeatures;

    @Option(names = "--intercept", arity = "1", description = "Fit an unpenalised intercept (default: true; paper: false).")
    Boolean intercept;

    @Option(names = "--standardize", arity = "1", description = "Standardise features with the base model's statistics (default: true; paper: false).")
    Boolean standardize;

    @Option(names = "--lambda", description = "Fix the ridge penalty (default: chosen by --lambda-criterion; paper: 5).")
    Double lambda;

    @Option(names = "--lambda-criterion", description = "loo-1se (the largest lambda whose exact leave-one-out error is within one standard error of the least; default: a steadier policy change at a fit within noise of the best), loo (the least leave-one-out error) or gcv.")
    String criterion;

    @Option(names = "--optimizer", description = "Per-pair update: sgd (default) or adamw.")
    String optimizer;

    @Option(names = "--lr", description = "Learning rate of the per-pair update (default: 1e-4).")
    Double lr;

    @Option(names = "--steps", description = "Optimiser steps per pair, on that pair alone (default: 1).")
    Integer steps;

    @Option(names = "--checkpoints", description = "Average each pair's update over this many checkpoints of a reference pass over every pair (TracInCP-style; default 4, 1 with --estimator gradient or --lora-rank: the base model only).")
    Integer checkpoints;

    @Option(names = "--reference", description = "The reference pass the checkpoints come from: expected (full-batch gradient descent on every pair's loss, the pass's expectation over orders; default with SGD) or ordered (one pair at a time in one seeded order; default with --optimizer adamw).")
    String reference;

    @Option(names = "--reference-steps", description = "Full-batch steps of the expected reference pass between two checkpoints (default 5).")
    Integer referenceSteps;

    @Option(names = "--reference-span", description = "The share of the reference pass the checkpoints cover, above 0 and at most 1 (default 0.5: the first half, the models fine-tuning on a random half of the pairs passes through; 1: the whole pass).")
    Double referenceSpan;

    @Option(names = "--lora-rank", description = "Update LoRA adapters of this rank on the block projections instead of every weight.")
    Integer loraRank;

    @Option(names = "--lora-alpha", description = "LoRA alpha (scale alpha/rank; default 16).")
    Double loraAlpha;

    @Option(names = "--feature-change", description = "linearized (through the encoder with its active set at the base fixed, as a ReLU's gate; default and paper) or exact (re-encode after the update).")
    String featureChange;

    @Option(names = "--dy-source", description = "With checkpoints, each probe's Δy for the policy's change: checkpoints (their mean; default) or per-kind (the base model's on harmful probes, the checkpoints' on harmless ones).")
    String dySource;

    @Option(names = "--refit-at", description = "Where each pair's policy change is refitted: span-middle (the features at the reference pass's checkpoint in the middle of its span, where a retraining on that share of the pairs is half-way; default with checkpoints) or base (the base model's features; default with one checkpoint).")
    String refitAt;

    @Option(names = "--category-effects", description = "Which of a pair's effects its predicted effect on each category (what interference is judged by) comes from: checkpoints (their mean; default) or base (the update applied to the base model alone); either through the policy at the base.")
    String categoryEffects;

    @Option(names = "--intended-threshold", description = "A category's intended features: standardised mean difference of its probes from the rest above this (default: 0.5).")
    Double intendedThreshold;

    @Option(names = "--estimator", description = "exact (apply each pair's update and re-measure; default) or gradient (first order: one backward pass per pair, for large SFT sets).")
    String estimator;

    @Option(names = "--projection", description = "Gradient estimator, updates of every weight: sketch each weight's gradient to k x k, projected onto the subspaces the probes' gradients lie in (a Kronecker projection as LoGra's; 0: exact inner products, default). With --lora-rank it works in LoRA's parameter space instead, exact and small.")
    Integer projection;

    @Option(names = "--interference", description = "How interference is judged: category (a pair's predicted effect on the other kind of categories, through the policy; default) or the dominant coefficient in a pathway: dy (paper), dx or total.")
    String interference;

    @Option(names = "--noise-floor", paramLabel = "MULTIPLE", description = "Flag an interfering pair when its score exceeds this many times the median pair's (default: 3; relative to the set: a set with no real interference still has its strongest spillovers flagged).")
    Double noiseFloor;

    @Option(names = "--bootstrap", description = "Bootstrap resamples for the harmful-vs-harmless intervals (default: 1000).")
    Integer bootstrap;

    @Option(names = "--curation", arity = "1", description = "Run the paper's curation follow-up (default: false; paper: true).")
    Boolean curation;

    @Option(names = "--seed", description = "Seed of the bootstrap, the LoRA initialisation and the ordered reference pass's order.")
    Long seed;

    @Option(names = "--batch-size", description = "Probes per forward pass (default: 16).")
    Integer batchSize;

    @Option(names = "--dtype", description = "Compute precision: float32 (default), float64 or float16.")
    String dtype;

    @Option(names = "--chat-date", description = "Date a Llama 3.1-style chat template writes.")
    String chatDate;

    @Option(names = "--max-length", paramLabel = "TOKENS", description = "Cut each pair's response so that the pair is at most this many tokens "
            + "with the chat template (default: none; a pair longer than the model's context is an error).")
    Integer maxLength;

    @Mixin
    ExecutorOptions executor;

    @Override
    public Integer call() throws Exception {
        Executor.Choice where = executor.choice();
        Checks.model(model, "--model");
        Checks.folder(sae, "--sae");
        Checks.file(probes, "--probes");
        Checks.file(pairs, "--pairs");
        Checks.output(out, "--out", true);
        RunConfig config = configure(preset(preset)).checked();
        SmdaRun.Result result = new SmdaRun(config, new RunInputs(model, sae, probes, pairs), out, Progress.console(), where).execute(resume);
        Summary.printAndWriteReport(result);
        return 0;
    }

    static RunConfig preset(String name) {
        return switch (name) {
            case "smda" -> RunConfig.defaults();
            case "paper" -> RunConfig.paper();
            default -> throw new BadInputException("--preset must be smda or paper, not '" + name + "'");
        };
    }

    RunConfig configure(RunConfig c) {
        RunConfig.Selection sel = selection == null ? c.selection() : parse(RunConfig.Selection.class, selection, "--selection");
        double threshold = selectionThreshold != null ? selectionThreshold : sel == c.selection() ? c.selectionThreshold() : sel == RunConfig.Selection.ACTIVE ? 0.02 : 0.1;
        RunConfig.Update u = c.update();
        SftConfig.Mode mode = loraRank != null ? SftConfig.Mode.LORA : u.mode();
        SftConfig.Optimizer optimiser = optimizer == null ? u.optimizer() : parse(SftConfig.Optimizer.class, optimizer, "--optimizer");
        ReferenceTrajectory.Pass pass = reference != null ? parse(ReferenceTrajectory.Pass.class, reference, "--reference")
                : optimiser == SftConfig.Optimizer.SGD ? u.reference() : ReferenceTrajectory.Pass.ORDERED; // AdamW's steps have no full-batch equivalent
        RunConfig.Update update = new RunConfig.Update(optimiser, lr != null ? lr : u.learningRate(), steps != null ? steps : u.steps(), mode,
                loraRank != null ? loraRank : u.loraRank(), loraAlpha != null ? loraAlpha : u.loraAlpha(), u.weightDecay(),
                checkpoints != null ? checkpoints : u.checkpoints(), pass, referenceSteps != null ? referenceSteps : u.referenceSteps(),
                referenceSpan != null ? referenceSpan : u.referenceSpan());
        RunConfig.Estimator chosen = estimator == null ? c.estimator() : parse(RunConfig.Estimator.class, estimator, "--estimator");
        if (checkpoints == null && (chosen == RunConfig.Estimator.GRADIENT || mode == SftConfig.Mode.LORA)) {
            update = update.atBaseOnly(); // checkpoints are for full updates with the exact estimator
        }
        RunConfig.Curation cur = curation == null ? c.curation() : curation ? (c.curation() != null ? c.curation() : RunConfig.paper().curation()) : null;
        return new RunConfig(c.preset(), openings != null ? openings : c.refusalOpenings(),
                behaviour == null ? c.behaviour() : parse(Behaviour.class, behaviour, "--behaviour"),
                pooling == null ? c.pooling() : parse(Pooling.class, pooling, "--pooling"),
                encoding == null ? c.encoding() : parse(FeatureEncoding.class, encoding, "--encoding"), sel, threshold,
                maxFeatures != null ? maxFeatures : c.maxFeatures(), intercept != null ? intercept : c.fitIntercept(),
                standardize != null ? standardize : c.standardize(), lambda != null ? lambda : c.lambda(),
                criterion == null ? c.lambdaCriterion() : parse(RidgeOptions.Criterion.class, criterion, "--lambda-criterion"), update,
                featureChange == null ? c.featureChange() : parse(RunConfig.FeatureChange.class, featureChange, "--feature-change"),
                chosen, projection != null ? projection : c.projection(),
                intendedThreshold != null ? intendedThreshold : c.intendedThreshold(),
                interference == null ? c.interference() : parse(RunConfig.Interference.class, interference, "--interference"),
                bootstrap != null ? bootstrap : c.bootstrapSamples(),
                seed != null ? seed : c.seed(), batchSize != null ? batchSize : c.batchSize(), cur, dtype != null ? dtype : c.dtype(),
                chatDate != null ? chatDate : c.chatDate(), maxLength != null ? maxLength : c.maxLength(),
                dySource == null ? c.dySource() : parse(RunConfig.DySource.class, dySource, "--dy-source"),
                refitAt != null ? parse(RunConfig.RefitPoint.class, refitAt, "--refit-at") : c.refitFor(update),
                categoryEffects == null ? c.categoryEffects() : parse(RunConfig.CategoryEffects.class, categoryEffects, "--category-effects"),
                noiseFloor != null ? noiseFloor : c.noiseFloor());
    }

    /** An enum constant from its command-line spelling (log-odds for LOG_ODDS). */
    static <E extends Enum<E>> E parse(Class<E> type, String value, String option) {
        String constant = value.toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(constant)) {
                return e;
            }
        }
        throw new BadInputException(option + ": '" + value + "' is not one of " + Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList());
    }
}
