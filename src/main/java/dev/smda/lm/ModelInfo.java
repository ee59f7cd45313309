package dev.smda.lm;

import dev.smda.io.BadInputException;
import dev.smda.io.GgufFile;
import dev.smda.io.Json;
import dev.smda.io.ShardedSafeTensors;
import dev.smda.model.LlamaConfig;
import dev.smda.model.LlamaModel;
import dev.smda.tensor.TensorInfo;
import dev.smda.tokenizer.ChatFormat;
import dev.smda.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** What a model is, read from its config and tensor headers without loading any weights. */
public record ModelInfo(Path path, String format, LlamaConfig config, String storedDtype, long storedBytes, int tokenizerVocab, String chatVariant) {

    public static ModelInfo read(Path path) throws IOException {
        if (GgufFile.isGguf(path)) {
            try (GgufFile file = GgufFile.open(path)) {
                LlamaConfig config = GgufCheckpoint.config(file);
                HfTokenizer tokenizer = GgufCheckpoint.vocabulary(file).tokenizer(path.toString());
                return new ModelInfo(path, "gguf", config, GgufCheckpoint.storedTypes(file), file.storedBytes(), tokenizer.vocabSize(),
                        chatVariant(ChatFormat.forTokenizer(tokenizer, file.string("tokenizer.chat_template", null), "")));
            }
        }
        if (!Files.isDirectory(path)) {
            throw new BadInputException(path + ": neither a model folder nor a GGUF file");
        }
        LlamaConfig config = LlamaConfig.read(path.resolve("config.json"));
        try (ShardedSafeTensors weights = ShardedSafeTensors.open(path)) {
            TensorInfo embed = weights.info(LlamaModel.EMBED);
            HfTokenizer tokenizer = Files.isRegularFile(path.resolve("tokenizer.json")) ? HfTokenizer.load(path.resolve("tokenizer.json")) : null;
            String template = Files.isRegularFile(path.resolve("tokenizer_config.json"))
                    ? Json.read(path.resolve("tokenizer_config.json")).path("chat_template").asText(null) : null;
            return new ModelInfo(path, "huggingface", config, embed == null ? "?" : embed.dtype(), weights.storedBytes(),
                    tokenizer == null ? 0 : tokenizer.vocabSize(), tokenizer == null ? "none" : chatVariant(ChatFormat.forTokenizer(tokenizer, template, "")));
        }
    }

    private static String chatVariant(ChatFormat chat) {
        return chat == null ? "none" : chat.variant().name().toLowerCase(Locale.ROOT);
    }
}
