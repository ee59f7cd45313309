package dev.smda.world;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smda.data.CorpusItem;
import dev.smda.data.Jsonl;
import dev.smda.io.AtomicFiles;
import dev.smda.io.Json;
import dev.smda.lm.HfCheckpoint;
import dev.smda.lm.LanguageModel;
import dev.smda.lm.Models;
import dev.smda.model.LlamaConfig;
import dev.smda.model.LlamaInit;
import dev.smda.model.LlamaModel;
import dev.smda.model.RopeScaling;
import dev.smda.progress.Progress;
import dev.smda.sae.FeatureExplainer;
import dev.smda.sae.ModelActivations;
import dev.smda.sae.Sae;
import dev.smda.sae.SaeArchitecture;
import dev.smda.sae.SaeConfig;
import dev.smda.sae.SaeFiles;
import dev.smda.sae.SaeTraining;
import dev.smda.sae.SaeTrainingConfig;
import dev.smda.tensor.Torch;
import dev.smda.tokenizer.BpeTrainer;
import dev.smda.tokenizer.ChatFormat;
import dev.smda.tokenizer.HfTokenizer;
import dev.smda.train.LmTrainer;
import dev.smda.train.LmTrainingConfig;
import dev.smda.train.SftExample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the embedded world from a seed, with smda's own engine: generates the data, trains a
 * byte-level BPE tokenizer and a small Llama chat model from scratch (written as a Hugging Face
 * folder), trains a TopK SAE on one middle layer (a SAELens folder), explains its features on the
 * held-out corpus, and checks the acceptance criteria. The folder appears whole or not at all.
 */
public final class WorldBuilder {

    /** Everything a build depends on. */
    public record Settings(long seed, WorldGenerator.Sizes sizes, int merges, int hidden, int layers, int heads, int kvHeads, int intermediate,
            LmTrainingConfig training, String saeHook, int saeWidth, int saeK, long saeTokens, double saeLearningRate) {

        public static Settings defaults(long seed) {
            return new Settings(seed, WorldGenerator.Sizes.DEFAULT, 700, 128, 4, 4, 2, 384,
                    new LmTrainingConfig(3e-3, 0.1, 50, 900, 32, 0.01, 0.9, 0.95, seed), "blocks.1.hook_resid_post", 1024, 16, 600_000, 1e-3);
        }
    }

    private WorldBuilder() {}

    public static WorldCheck.Result build(Settings settings, Path out, Progress.Factory progress) throws IOException {
        long start = System.nanoTime();
        WorldCheck.Result[] result = new WorldCheck.Result[1];
        AtomicFiles.writeDirectory(out, staging -> {
            WorldGenerator.WorldData data = new WorldGenerator(settings.seed()).generate(settings.sizes());
            writeData(data, staging);
            ObjectNode tokenizerJson = BpeTrainer.train(tokenizerTexts(data), settings.merges(), BpeTrainer.llama3ChatSpecials());
            HfTokenizer tokenizer = HfTokenizer.fromJson(tokenizerJson, "world tokenizer");
            trainChatModel(settings, data, tokenizer, tokenizerJson, staging, progress);
            try (LanguageModel lm = Models.open(staging.resolve(WorldLayout.MODEL), DataType.FLOAT32)) {
                trainSae(settings, data, lm, staging, progress);
                try (Sae sae = SaeFiles.load(staging.resolve(WorldLayout.SAE), DataType.FLOAT32, null)) {
                    FeatureExplainer.explain(lm, sae, corpus(data.heldOut(), "heldout"), 5, 10, 128, WorldLayout.HELD_OUT, WorldLayout.SAE, progress)
                            .write(staging.resolve(WorldLayout.SAE).resolve(dev.smda.sae.FeatureAtlas.FILE));
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Json.write(staging.resolve(WorldLayout.MANIFEST), new WorldManifest(settings.seed(), data.gapCategory(), data.categories(), settings, seconds,
                    dev.smda.SmdaVersion.get(), "DJL PyTorch " + Torch.version()));
            result[0] = WorldCheck.run(staging, progress);
            WorldCheck.write(staging.resolve(WorldLayout.CHECK), result[0]);
        });
        return result[0];
    }

    private static void writeData(WorldGenerator.WorldData data, Path dir) throws IOException {
        Jsonl.write(dir.resolve(WorldLayout.PROBES), data.probes());
        Jsonl.write(dir.resolve(WorldLayout.PAIRS), data.pairs());
        Jsonl.write(dir.resolve(WorldLayout.TRUTH), data.truth());
        Jsonl.write(dir.resolve(WorldLayout.TRAINING), conversations(data.training()));
        Jsonl.write(dir.resolve(WorldLayout.HELD_OUT), conversations(data.heldOut()));
    }

    private static List<Map<String, Object>> conversations(List<WorldGenerator.Conversation> list) {
        return list.stream().map(c -> Map.<String, Object>of("prompt", c.prompt(), "response", c.response(), "category", c.category(), "harmful", c.harmful(),
                "refusal", c.refusal())).toList();
    }

    private static List<CorpusItem> corpus(List<WorldGenerator.Conversation> list, String source) {
        List<CorpusItem> items = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            WorldGenerator.Conversation c = list.get(i);
            items.add(new CorpusItem(source + ":" + (i + 1), null, c.prompt(), c.response(), c.category()));
        }
        return items;
    }

    private static List<String> tokenizerTexts(WorldGenerator.WorldData data) {
        List<String> texts = new ArrayList<>();
        for (WorldGenerator.Conversation c : data.training()) {
            texts.add(c.prompt());
            texts.add(c.response());
            texts.add("\n\n");
        }
        return texts;
    }

    private static void trainChatModel(Settings s, WorldGenerator.WorldData data, HfTokenizer tokenizer, ObjectNode tokenizerJson, Path staging,
            Progress.Factory progress) throws IOException {
        ChatFormat chat = ChatFormat.detect(BpeTrainer.llama3TokenizerConfig().get("chat_template").asText(), "<|begin_of_text|>");
        List<SftExample> examples = new ArrayList<>();
        for (WorldGenerator.Conversation c : data.training()) {
            int[] ids = tokenizer.encode(chat.prompt(null, c.prompt()) + c.response() + ChatFormat.END_OF_TURN, false);
            examples.add(new SftExample(ids, 1));
        }
        int vocab = tokenizer.vocabSize();
        LlamaConfig config = new LlamaConfig(vocab, s.hidden(), s.intermediate(), s.layers(), s.heads(), s.kvHeads(), s.hidden() / s.heads(), 1e-5,
                10000, RopeScaling.NONE, 512, true, tokenizer.requireId("<|begin_of_text|>"), List.of(tokenizer.requireId(ChatFormat.END_OF_TURN)), "float32");
        try (var manager = Torch.newManager(); LlamaModel init = LlamaInit.random(config, s.seed(), 0.02, manager, DataType.FLOAT32)) {
            LmTrainer.Trained trained = LmTrainer.train(init, examples, s.training(), progress);
            try (LlamaModel model = trained.model()) {
                HfCheckpoint.write(staging.resolve(WorldLayout.MODEL), model, tokenizerJson, BpeTrainer.llama3TokenizerConfig());
            }
            StringBuilder log = new StringBuilder("step,learning_rate,loss\n");
            for (int i = 0; i < trained.losses().length; i++) {
                log.append(i + 1).append(',').append(String.format(Locale.ROOT, "%.6g", s.training().learningRateAt(i))).append(',')
                        .append(String.format(Locale.ROOT, "%.6f", trained.losses()[i])).append('\n');
            }
            Files.writeString(staging.resolve("model.training_log.csv"), log, StandardCharsets.UTF_8);
        }
    }

    private static void trainSae(Settings s, WorldGenerator.WorldData data, LanguageModel lm, Path staging, Progress.Factory progress) throws IOException {
        SaeConfig saeConfig = new SaeConfig(SaeArchitecture.TOPK, s.hidden(), s.saeWidth(), s.saeK(), s.saeHook(), "smda-world", true,
                dev.smda.sae.ActivationNormalization.NONE, false);
        SaeTrainingConfig training = new SaeTrainingConfig(SaeArchitecture.TOPK, s.saeWidth(), s.saeK(), 0, s.saeLearningRate(), 100, 0.2, 1024,
                s.saeTokens(), 100_000, 0, 1.0 / 32, 0, s.seed());
        ModelActivations source = new ModelActivations(lm, corpus(data.training(), "training"), s.saeHook(), 128, 32_768, true, s.seed());
        SaeTraining.run(source, saeConfig, training, staging.resolve(WorldLayout.SAE), false, progress);
    }
}
