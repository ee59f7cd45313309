package dev.smda.cli;

import dev.smda.lm.LanguageModel;
import dev.smda.lm.Models;
import dev.smda.tokenizer.ChatFormat;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command that loads a model shares. */
final class ModelOptions {

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "Hugging Face model folder (config.json, model.safetensors, tokenizer.json) or GGUF file.")
    Path model;

    @Option(names = "--dtype", defaultValue = "float32", paramLabel = "TYPE", description = "Compute precision: float32, float64 or float16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--chat-date", paramLabel = "DATE", description = "The 'Today Date' a Llama 3.1-style chat template writes (default: " + ChatFormat.DEFAULT_DATE + ").")
    String chatDate;

    /** Checks the options (before any work). */
    void check() {
        Checks.model(model, "--model");
        Models.dtype(dtype);
    }

    LanguageModel open() throws IOException {
        check();
        return Models.open(model, Models.dtype(dtype)).withChatDate(chatDate);
    }
}
