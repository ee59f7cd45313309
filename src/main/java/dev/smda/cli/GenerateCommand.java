package dev.smda.cli;

import dev.smda.lm.Generation;
import dev.smda.lm.GenerationConfig;
import dev.smda.lm.LanguageModel;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate a reply to a chat prompt (or, with --raw, a continuation of plain text).")
final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The user's message (with --raw: the text after BOS).")
    String prompt;

    @Option(names = "--system", paramLabel = "TEXT", description = "An optional system message.")
    String system;

    @Option(names = "--raw", description = "No chat template: continue BOS + the prompt text as given.")
    boolean raw;

    @Option(names = "--max-tokens", defaultValue = "256", description = "Most tokens to generate (default: ${DEFAULT-VALUE}, as llama2.c's run).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 for greedy decoding (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Sample among the k likeliest tokens; 0 for all (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling mass (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        Checks.atLeast(maxTokens, 1, "--max-tokens");
        Checks.nonNegative(temperature, "--temperature");
        Checks.atLeast(topK, 0, "--top-k");
        Checks.between(topP, Double.MIN_VALUE, 1, "--top-p");
        try (LanguageModel lm = modelOptions.open()) {
            int[] ids = raw ? lm.tokenizer().encode(prompt, true) : lm.chatPrompt(system, prompt);
            Generation g = lm.generate(ids, new GenerationConfig(maxTokens, temperature, topK, topP, seed));
            System.out.println(raw ? prompt + g.text() : g.text());
            return 0;
        }
    }
}
