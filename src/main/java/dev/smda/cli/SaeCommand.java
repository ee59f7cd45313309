package dev.smda.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smda.data.CorpusItem;
import dev.smda.data.TextCorpus;
import dev.smda.io.BadInputException;
import dev.smda.io.Json;
import dev.smda.io.SafeTensorsFile;
import dev.smda.io.SafeTensorsWriter;
import dev.smda.lm.LanguageModel;
import dev.smda.progress.Progress;
import dev.smda.sae.FeatureAtlas;
import dev.smda.sae.FeatureExplainer;
import dev.smda.sae.ModelActivations;
import dev.smda.sae.Sae;
import dev.smda.sae.SaeArchitecture;
import dev.smda.sae.SaeConfig;
import dev.smda.sae.SaeEvaluation;
import dev.smda.sae.SaeEvaluator;
import dev.smda.sae.SaeFiles;
import dev.smda.sae.SaeTraining;
import dev.smda.sae.SaeTrainingConfig;
import dev.smda.tensor.Torch;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sae", mixinStandardHelpOptions = true, description = "Sparse autoencoders: inspect, train, evaluate, explain features, encode activations.",
        subcommands = {SaeCommand.Inspect.class, SaeCommand.Train.class, SaeCommand.Eval.class, SaeCommand.Features.class, SaeCommand.Encode.class})
final class SaeCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Options shared by commands that read a corpus through a model. */
    static final class CorpusOptions {
        @Option(names = "--corpus", required = true, paramLabel = "FILE.jsonl", description = "JSONL: 'text', or 'prompt' (+ 'response'), optional 'category'.")
        Path corpus;

        @Option(names = "--max-tokens-per-text", defaultValue = "256", description = "Texts are cut to this many tokens (default: ${DEFAULT-VALUE}).")
        int maxTokensPerText;

        void check() {
            Checks.file(corpus, "--corpus");
            Checks.atLeast(maxTokensPerText, 2, "--max-tokens-per-text");
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Describe an SAE folder as smda reads it: layout, architecture, widths, hook, input conventions, tensors, labels. "
                    + "It is read whole, so an SAE smda would refuse is refused here with the same message; with --model, also whether it can read that model.")
    static final class Inspect implements Callable<Integer> {
        @Option(names = "--sae", required = true, paramLabel = "DIR", description = "SAELens or sparsify folder.")
        Path sae;

        @Option(names = "--model", paramLabel = "PATH", description = "A model folder or GGUF file the SAE must fit (its d_in and hook; loads no model weights).")
        Path model;

        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Checks.folder(sae, "--sae");
            if (model != null) {
                Checks.model(model, "--model");
            }
            ObjectNode o = Json.object();
            try (Sae s = SaeFiles.load(sae, DataType.FLOAT32, null); SafeTensorsFile weights = SafeTensorsFile.open(SaeFiles.weightsFile(sae))) {
                SaeConfig c = s.config();
                o.put("path", sae.toString());
                o.put("layout", weights.path().getFileName().toString().equals(SaeFiles.SAELENS_WEIGHTS) ? "SAELens" : "sparsify");
                o.put("architecture", c.architecture().saeLensName());
                o.put("d_in", c.dIn());
                o.put("d_sae", c.dSae());
                if (c.architecture().isTopK()) {
                    o.put("k", c.k());
                    o.put("rescale_acts_by_decoder_norm", c.rescaleActsByDecoderNorm());
                }
                o.put("hook_name", c.hookName());
                o.put("model_name", c.modelName());
                o.put("apply_b_dec_to_input", c.applyBDecToInput());
                o.put("normalize_activations", c.normalization().saeLensName());
                ObjectNode tensors = o.putObject("tensors");
                for (String name : new java.util.TreeSet<>(weights.names())) {
                    tensors.put(name, weights.dtype(name) + " " + java.util.Arrays.toString(weights.shape(name)));
                }
                FeatureAtlas atlas = FeatureAtlas.besideSae(sae);
                o.put("labelled_features", atlas == null ? 0 : atlas.features().size());
                if (model != null) {
                    s.checkFits(dev.smda.lm.ModelInfo.read(model).config(), sae.toString());
                    o.put("fits", model.toString());
                }
            }
            if (json) {
                System.out.print(Json.pretty(o));
                return 0;
            }
            System.out.printf("%s (%s)%n", o.get("path").asText(), o.get("layout").asText());
            System.out.printf("  architecture   %s, %d -> %d features%s%n", o.get("architecture").asText(), o.get("d_in").asInt(), o.get("d_sae").asInt(),
                    o.has("k") ? ", k " + o.get("k").asInt() + (o.get("rescale_acts_by_decoder_norm").asBoolean() ? " (pre-activations scaled by decoder norms)" : "") : "");
            System.out.printf("  reads          %s%s%n", o.get("hook_name").asText(), o.get("model_name").isNull() ? "" : " of " + o.get("model_name").asText());
            System.out.printf("  input          b_dec %s, normalize_activations %s%n", o.get("apply_b_dec_to_input").asBoolean() ? "subtracted" : "not subtracted",
                    o.get("normalize_activations").asText());
            o.get("tensors").properties().forEach(t -> System.out.printf("  tensor         %-14s %s%n", t.getKey(), t.getValue().asText()));
            int labelled = o.get("labelled_features").asInt();
            System.out.printf("  labels         %s%n", labelled == 0 ? "none (no " + FeatureAtlas.FILE + "; smda sae features writes one)" : labelled + " features in " + FeatureAtlas.FILE);
            if (o.has("fits")) {
                System.out.printf("  fits           %s (its hidden size and hook point)%n", o.get("fits").asText());
            }
            return 0;
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true, description = "Train an SAE on activations streamed from a model over a corpus; writes a SAELens folder.")
    static final class Train implements Callable<Integer> {
        @Mixin
        ModelOptions modelOptions;

        @Mixin
        CorpusOptions corpusOptions;

        @Option(names = "--hook", required = true, paramLabel = "NAME", description = "Hook point, e.g. blocks.3.hook_resid_post.")
        String hook;

        @Option(names = "--architecture", defaultValue = "topk", description = "topk or relu (ReLU with L1) (default: ${DEFAULT-VALUE}).")
        String architecture;

        @Option(names = "--d-sae", paramLabel = "N", description = "Number of features (default: 8 x the model's hidden size).")
        Integer dSae;

        @Option(names = "--k", defaultValue = "32", description = "Active features per token, top-k (default: ${DEFAULT-VALUE}).")
        int k;

        @Option(names = "--l1", defaultValue = "0.3", description = "L1 coefficient, ReLU (relative to the activations' RMS norm) (default: ${DEFAULT-VALUE}).")
        double l1;

        @Option(names = "--tokens", defaultValue = "2000000", description = "Training tokens (default: ${DEFAULT-VALUE}).")
        long tokens;

        @Option(names = "--batch-tokens", defaultValue = "1024", description = "Tokens per step (default: ${DEFAULT-VALUE}).")
        int batchTokens;

        @Option(names = "--lr", defaultValue = "4e-4", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
        double lr;

        @Option(names = "--warmup", defaultValue = "200", description = "Warm-up steps (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--decay-fraction", defaultValue = "0.2", description = "Final fraction of steps with linear decay (default: ${DEFAULT-VALUE}).")
        double decay;

        @Option(names = "--dead-after", defaultValue = "200000", description = "Tokens without firing after which a feature counts as dead (default: ${DEFAULT-VALUE}).")
        long deadAfter;

        @Option(names = "--aux-k", defaultValue = "0", description = "AuxK: dead features used to revive (0: d_in / 2) (default: ${DEFAULT-VALUE}).")
        int auxK;

        @Option(names = "--aux-coefficient", defaultValue = "0.03125", description = "Weight of the AuxK loss (default: ${DEFAULT-VALUE}).")
        double auxCoefficient;

        @Option(names = "--buffer-tokens", defaultValue = "65536", description = "Activations held for mixing (default: ${DEFAULT-VALUE}).")
        int bufferTokens;

        @Option(names = "--checkpoint-every", defaultValue = "500", description = "Steps between checkpoints, 0 for none (default: ${DEFAULT-VALUE}).")
        int checkpointEvery;

        @Option(names = "--include-special-tokens", description = "Train on BOS and chat-header positions too.")
        boolean includeSpecial;

        @Option(names = "--seed", defaultValue = "0")
        long seed;

        @Option(names = "--resume", description = "Continue from OUT.checkpoint if it exists.")
        boolean resume;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the SAE (SAELens layout) is written.")
        Path out;

        @Override
        public Integer call() throws Exception {
            modelOptions.check();
            corpusOptions.check();
            Checks.output(out, "--out", true);
            Checks.atLeast(k, 1, "--k");
            Checks.atLeast(tokens, 1, "--tokens");
            Checks.atLeast(batchTokens, 1, "--batch-tokens");
            Checks.positive(lr, "--lr");
            Checks.atLeast(warmup, 0, "--warmup");
            Checks.between(decay, 0, 1, "--decay-fraction");
            Checks.atLeast(deadAfter, 1, "--dead-after");
            Checks.atLeast(auxK, 0, "--aux-k");
            Checks.nonNegative(auxCoefficient, "--aux-coefficient");
            Checks.nonNegative(l1, "--l1");
            Checks.atLeast(bufferTokens, batchTokens, "--buffer-tokens");
            Checks.atLeast(checkpointEvery, 0, "--checkpoint-every");
            if (dSae != null) {
                Checks.atLeast(dSae, 1, "--d-sae");
            }
            dev.smda.model.Hooks.layerOf(hook);
            SaeArchitecture arch = switch (architecture) {
                case "topk" -> SaeArchitecture.TOPK;
                case "relu" -> SaeArchitecture.RELU;
                default -> throw new BadInputException("--architecture must be topk or relu, not '" + architecture + "'");
            };
            List<CorpusItem> corpus = TextCorpus.read(corpusOptions.corpus);
            try (LanguageModel lm = modelOptions.open()) {
                int hidden = lm.model().config().hiddenSize();
                int width = dSae == null ? 8 * hidden : dSae;
                SaeConfig saeConfig = new SaeConfig(arch, hidden, width, arch == SaeArchitecture.TOPK ? k : 0, hook,
                        lm.source().path().getFileName().toString(), true, dev.smda.sae.ActivationNormalization.NONE, false);
                saeConfig.checkFits(lm.model().config(), "--hook");
                SaeTrainingConfig training;
                try {
                    training = new SaeTrainingConfig(arch, width, saeConfig.k(), l1, lr, warmup, decay, batchTokens, tokens, deadAfter, auxK,
                            auxCoefficient, checkpointEvery, seed);
                } catch (IllegalArgumentException e) {
                    throw new BadInputException(e.getMessage());
                }
                ModelActivations source = new ModelActivations(lm, corpus, hook, corpusOptions.maxTokensPerText, bufferTokens, !includeSpecial, seed);
                SaeTraining.Summary s = SaeTraining.run(source, saeConfig, training, out, resume, Progress.console());
                System.out.printf("trained %s: %d steps, %,d tokens in %.0f s; last batch FVU %.3f, L0 %.1f, %d dead features%n", out, s.steps(), s.tokens(),
                        s.seconds(), s.finalFvu(), s.finalL0(), s.dead());
                return 0;
            }
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true,
            description = "Evaluate an SAE on a corpus: variance explained, L0, dead and dense features, CE loss recovered when spliced in.")
    static final class Eval implements Callable<Integer> {
        @Mixin
        ModelOptions modelOptions;

        @Mixin
        CorpusOptions corpusOptions;

        @Mixin
        SaeOptions saeOptions;

        @Option(names = "--dense-threshold", defaultValue = "0.1", description = "Fraction of tokens above which a feature is dense (default: ${DEFAULT-VALUE}).")
        double denseThreshold;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Checks.between(denseThreshold, 0, 1, "--dense-threshold");
            corpusOptions.check();
            saeOptions.check();
            List<CorpusItem> corpus = TextCorpus.read(corpusOptions.corpus);
            try (LanguageModel lm = modelOptions.open(); Sae s = saeOptions.load(lm)) {
                SaeEvaluation e = SaeEvaluator.evaluate(lm, s, corpus, corpusOptions.maxTokensPerText, denseThreshold, Progress.console());
                if (json) {
                    System.out.print(Json.pretty(e));
                } else {
                    System.out.printf("tokens               %,d%n", e.tokens());
                    System.out.printf("variance explained   %.4f (FVU %.4f)%n", e.explainedVariance(), e.fvu());
                    System.out.printf("L0                   %.2f of %d features%n", e.l0(), s.config().dSae());
                    System.out.printf("dead features        %d%n", e.deadFeatures());
                    System.out.printf("dense features       %d (fire on > %.0f%% of tokens)%n", e.denseFeatures(), 100 * e.denseThreshold());
                    System.out.printf("CE loss              clean %.4f, with SAE %.4f, zero-ablated %.4f%n", e.ceClean(), e.ceWithSae(), e.ceZeroAblated());
                    System.out.printf("CE loss recovered    %.4f%n", e.ceLossRecovered());
                }
                return 0;
            }
        }
    }

    @Command(name = "features", mixinStandardHelpOptions = true,
            description = "Explain features: top-activating contexts (activating token in \u27e6 \u27e7), promoted and suppressed tokens, per-category activation; writes features.json.")
    static final class Features implements Callable<Integer> {
        @Mixin
        ModelOptions modelOptions;

        @Mixin
        CorpusOptions corpusOptions;

        @Mixin
        SaeOptions saeOptions;

        @Option(names = "--top", defaultValue = "8", description = "Contexts kept per feature (default: ${DEFAULT-VALUE}).")
        int top;

        @Option(names = "--window", defaultValue = "12", description = "Tokens shown before the activating one (default: ${DEFAULT-VALUE}).")
        int window;

        @Option(names = "--out", paramLabel = "FILE", description = "Where to write (default: SAE_DIR/features.json).")
        Path out;

        @Option(names = "--show", defaultValue = "10", description = "Features to print, most frequent first (default: ${DEFAULT-VALUE}).")
        int show;

        @Override
        public Integer call() throws Exception {
            Checks.atLeast(top, 1, "--top");
            Checks.atLeast(window, 0, "--window");
            Checks.atLeast(show, 0, "--show");
            if (out != null) {
                Checks.output(out, "--out", false);
            }
            corpusOptions.check();
            saeOptions.check();
            List<CorpusItem> corpus = TextCorpus.read(corpusOptions.corpus);
            try (LanguageModel lm = modelOptions.open(); Sae s = saeOptions.load(lm)) {
                FeatureAtlas atlas = FeatureExplainer.explain(lm, s, corpus, top, window, corpusOptions.maxTokensPerText, corpusOptions.corpus.toString(),
                        saeOptions.sae.toString(), Progress.console());
                Path file = out != null ? out : saeOptions.sae.resolve(FeatureAtlas.FILE);
                atlas.write(file);
                atlas.features().stream().sorted(java.util.Comparator.comparingDouble(FeatureAtlas.Feature::frequency).reversed()).limit(show)
                        .forEach(f -> System.out.printf("feature %5d  %-28s freq %.4f  max %.2f  e.g. %s%n", f.id(), f.label(), f.frequency(), f.maxActivation(),
                                f.topContexts().isEmpty() ? "" : f.topContexts().getFirst().text().replace("\n", "\\n")));
                System.out.println("wrote " + file);
                return 0;
            }
        }
    }

    @Command(name = "encode", mixinStandardHelpOptions = true,
            description = "Encode activations with an SAE: tensor 'activations' [..., d_in] in, tensor 'features' [..., d_sae] out (safetensors).")
    static final class Encode implements Callable<Integer> {
        @Option(names = "--sae", required = true, paramLabel = "DIR")
        Path sae;

        @Option(names = "--activations", required = true, paramLabel = "IN.safetensors")
        Path activations;

        @Option(names = "--out", required = true, paramLabel = "OUT.safetensors")
        Path out;

        @Override
        public Integer call() throws Exception {
            Checks.folder(sae, "--sae");
            Checks.file(activations, "--activations");
            Checks.output(out, "--out", false);
            try (SafeTensorsFile in = SafeTensorsFile.open(activations); NDManager m = Torch.newManager()) {
                if (in.info("activations") == null) {
                    throw new BadInputException(activations + ": no tensor named 'activations'");
                }
                DataType type = in.dtype("activations") == dev.smda.tensor.DType.F64 ? DataType.FLOAT64 : DataType.FLOAT32;
                try (Sae s = SaeFiles.load(sae, type, null); NDArray x = in.load("activations", m, type)) {
                    long[] shape = x.getShape().getShape();
                    if (shape.length == 0 || shape[shape.length - 1] != s.config().dIn()) {
                        throw new BadInputException(activations + ": tensor 'activations' has shape " + x.getShape() + "; its last axis must be the SAE's d_in " + s.config().dIn());
                    }
                    try (NDArray features = s.encode(x)) {
                        new SafeTensorsWriter().metadata("sae", sae.toString()).add("features", features).write(out);
                    }
                    long[] outShape = shape.clone();
                    outShape[outShape.length - 1] = s.config().dSae();
                    System.out.println("wrote " + out + ": features " + java.util.Arrays.toString(outShape));
                }
            }
            return 0;
        }
    }
}
