package dev.smda.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smda.io.AtomicFiles;
import dev.smda.io.BadInputException;
import dev.smda.io.Json;
import dev.smda.io.SafeTensorsWriter;
import dev.smda.io.ShardedSafeTensors;
import dev.smda.model.LlamaConfig;
import dev.smda.model.LlamaInit;
import dev.smda.model.LlamaModel;
import dev.smda.tensor.DType;
import dev.smda.tensor.TensorInfo;
import dev.smda.tensor.Torch;
import dev.smda.tokenizer.ChatFormat;
import dev.smda.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A Hugging Face model folder: {@code config.json}, {@code model.safetensors} (or shards with an
 * index), {@code tokenizer.json}, {@code tokenizer_config.json}, optionally
 * {@code generation_config.json}.
 */
public final class HfCheckpoint {

    private HfCheckpoint() {}

    public static LanguageModel open(Path folder, DataType dtype) throws IOException {
        LlamaConfig config = LlamaConfig.read(required(folder, "config.json"));
        HfTokenizer tokenizer = HfTokenizer.load(required(folder, "tokenizer.json"));
        JsonNode tokenizerConfig = Files.isRegularFile(folder.resolve("tokenizer_config.json"))
                ? Json.read(folder.resolve("tokenizer_config.json")) : Json.object();
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new BadInputException(folder + ": tokenizer.json has " + tokenizer.vocabSize() + " tokens but config.json's vocab_size is " + config.vocabSize());
        }
        String bos = tokenText(tokenizerConfig.path("bos_token"), "<|begin_of_text|>");
        ChatFormat chat = ChatFormat.forTokenizer(tokenizer, tokenizerConfig.path("chat_template").asText(null), bos);

        Set<Integer> stops = new LinkedHashSet<>(config.eosTokenIds());
        tokenizer.id(tokenText(tokenizerConfig.path("eos_token"), ChatFormat.END_OF_TURN)).ifPresent(stops::add);
        tokenizer.id(ChatFormat.END_OF_TURN).ifPresent(stops::add);
        Path generation = folder.resolve("generation_config.json");
        if (Files.isRegularFile(generation)) {
            JsonNode eos = Json.read(generation).path("eos_token_id");
            if (eos.isArray()) {
                eos.forEach(e -> stops.add(e.asInt()));
            } else if (eos.isNumber()) {
                stops.add(eos.asInt());
            }
        }

        NDManager manager = Torch.newManager();
        try (ShardedSafeTensors weights = ShardedSafeTensors.open(folder)) {
            TensorInfo embed = weights.info(LlamaModel.EMBED);
            String storedDtype = embed == null ? "?" : embed.dtype();
            LlamaModel model = LlamaModel.load(config, weights, manager, dtype);
            return new LanguageModel(model, tokenizer, chat, stops, new ModelSource(folder, "huggingface", storedDtype, weights.storedBytes()));
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static String tokenText(JsonNode node, String fallback) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isObject() && node.has("content")) {
            return node.get("content").asText();
        }
        return fallback;
    }

    private static Path required(Path folder, String file) {
        Path p = folder.resolve(file);
        if (!Files.isRegularFile(p)) {
            throw new BadInputException(folder + ": no " + file + " (expected a Hugging Face model folder)");
        }
        return p;
    }

    /**
     * Writes a model folder that smda and Hugging Face transformers both load. The folder appears
     * whole or not at all: it is written beside the target and renamed into place.
     */
    public static void write(Path folder, LlamaModel model, JsonNode tokenizerJson, ObjectNode tokenizerConfig) throws IOException {
        SafeTensorsWriter writer = new SafeTensorsWriter().metadata("format", "pt");
        for (var e : model.weights().entrySet()) {
            try (NDArray f32 = e.getValue().toType(DataType.FLOAT32, true)) {
                writer.add(e.getKey(), f32);
            }
        }
        write(folder, model.config(), writer, tokenizerJson, tokenizerConfig);
    }

    /**
     * Writes a model folder of {@code config}'s shapes with the weights {@link LlamaInit#random} draws
     * from {@code seed}, stored as {@code storage} (F32, F16 or BF16), drawn and written one tensor at
     * a time: a checkpoint of a real model's shapes (random weights) on a machine that could not hold
     * it twice.
     */
    public static void writeRandom(Path folder, LlamaConfig config, long seed, double std, DType storage, JsonNode tokenizerJson,
            ObjectNode tokenizerConfig) throws IOException {
        LlamaInit.Draws draws = new LlamaInit.Draws(config, seed, std);
        SafeTensorsWriter writer = new SafeTensorsWriter().metadata("format", "pt");
        LlamaModel.expectedShapes(config).forEach((name, shape) -> writer.stream(name, storage, shape, () -> storage.encode(draws.next(name, shape))));
        write(folder, config, writer, tokenizerJson, tokenizerConfig);
    }

    private static void write(Path folder, LlamaConfig c, SafeTensorsWriter weights, JsonNode tokenizerJson, ObjectNode tokenizerConfig) throws IOException {
        AtomicFiles.writeDirectory(folder, staging -> {
            Json.write(staging.resolve("config.json"), c.toJson());
            weights.write(staging.resolve(ShardedSafeTensors.SINGLE));
            Json.write(staging.resolve("tokenizer.json"), tokenizerJson);
            Json.write(staging.resolve("tokenizer_config.json"), tokenizerConfig);
            ObjectNode generation = Json.object();
            generation.put("bos_token_id", c.bosTokenId());
            var eos = generation.putArray("eos_token_id");
            c.eosTokenIds().forEach(eos::add);
            generation.put("do_sample", false);
            Json.write(staging.resolve("generation_config.json"), generation);
        });
    }
}
