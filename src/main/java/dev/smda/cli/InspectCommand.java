package dev.smda.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smda.io.Json;
import dev.smda.lm.ModelInfo;
import dev.smda.model.LlamaConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Describe a model: architecture, parameter count, stored dtype, memory footprint. Loads no weights.")
final class InspectCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "Model folder or GGUF file.")
    Path model;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Checks.model(model, "--model");
        ModelInfo info = ModelInfo.read(model);
        LlamaConfig c = info.config();
        long params = c.parameterCount();
        ObjectNode o = Json.object();
        o.put("path", info.path().toString());
        o.put("format", info.format());
        o.put("architecture", "LlamaForCausalLM");
        o.put("layers", c.numLayers());
        o.put("hidden_size", c.hiddenSize());
        o.put("intermediate_size", c.intermediateSize());
        o.put("attention_heads", c.numHeads());
        o.put("key_value_heads", c.numKvHeads());
        o.put("head_dim", c.headDim());
        o.put("vocab_size", c.vocabSize());
        o.put("tokenizer_vocab", info.tokenizerVocab());
        o.put("tied_embeddings", c.tieWordEmbeddings());
        o.put("rope_theta", c.ropeTheta());
        o.put("rope_scaling", c.ropeScaling().type());
        o.put("parameters", params);
        o.put("stored_dtype", info.storedDtype());
        o.put("stored_bytes", info.storedBytes());
        o.put("float32_bytes", params * 4);
        o.put("bfloat16_bytes", params * 2);
        o.put("chat_format", info.chatVariant());
        o.put("hook_points", "hook_embed, blocks.{0.." + (c.numLayers() - 1) + "}.hook_resid_pre|hook_attn_out|hook_resid_mid|hook_mlp_out|hook_resid_post, ln_final.hook_normalized");
        if (json) {
            System.out.print(Json.pretty(o));
            return 0;
        }
        System.out.printf("%s (%s)%n", info.path(), info.format());
        System.out.printf("  architecture   LlamaForCausalLM, %d layer%s, hidden %d, MLP %d%n", c.numLayers(), c.numLayers() == 1 ? "" : "s",
                c.hiddenSize(), c.intermediateSize());
        System.out.printf("  attention      %d query heads, %d key/value heads (group %d), head dim %d%n", c.numHeads(), c.numKvHeads(), c.groupSize(), c.headDim());
        System.out.printf("  rope           theta %.0f, scaling %s%n", c.ropeTheta(), c.ropeScaling().type());
        System.out.printf("  vocabulary     %d (tokenizer: %d), embeddings %s%n", c.vocabSize(), info.tokenizerVocab(), c.tieWordEmbeddings() ? "tied" : "untied");
        System.out.printf("  parameters     %,d (%s)%n", params, human(params));
        System.out.printf("  stored         %s, %s on disk%n", info.storedDtype(), bytes(info.storedBytes()));
        System.out.printf("  in memory      %s in float32, %s in bfloat16%n", bytes(params * 4), bytes(params * 2));
        System.out.printf("  chat format    %s%n", info.chatVariant());
        System.out.printf("  hook points    %s%n", o.get("hook_points").asText());
        return 0;
    }

    static String human(long n) {
        return n >= 1_000_000_000 ? String.format("%.2fB", n / 1e9) : n >= 1_000_000 ? String.format("%.2fM", n / 1e6) : String.format("%.1fK", n / 1e3);
    }

    static String bytes(long n) {
        return n >= 1L << 30 ? String.format("%.2f GiB", n / (double) (1L << 30)) : n >= 1L << 20 ? String.format("%.1f MiB", n / (double) (1L << 20)) : String.format("%.1f KiB", n / 1024.0);
    }
}
