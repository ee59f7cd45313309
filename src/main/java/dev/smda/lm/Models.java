package dev.smda.lm;

import ai.djl.ndarray.types.DataType;
import dev.smda.io.BadInputException;
import dev.smda.io.GgufFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a model from whatever form it comes in. */
public final class Models {

    private Models() {}

    /** A Hugging Face model folder (or a GGUF file), computing in {@code dtype}. */
    public static LanguageModel open(Path path, DataType dtype) throws IOException {
        if (Files.isDirectory(path)) {
            return HfCheckpoint.open(path, dtype);
        }
        if (!Files.exists(path)) {
            throw new BadInputException(path + ": no such model folder or file");
        }
        if (GgufFile.isGguf(path)) {
            return GgufCheckpoint.open(path, dtype);
        }
        throw new BadInputException(path + ": neither a model folder (config.json, model.safetensors, tokenizer.json) nor a GGUF file");
    }

    /** Parses a compute dtype name as the CLI takes it. */
    public static DataType dtype(String name) {
        return switch (name) {
            case "float32", "f32" -> DataType.FLOAT32;
            case "float64", "f64" -> DataType.FLOAT64;
            case "float16", "f16" -> DataType.FLOAT16;
            // DJL 0.35.1's PyTorch engine aborts the JVM converting any array to bfloat16 (measured), so
            // half precision is float16: the same memory, and bfloat16 checkpoints load into it.
            case "bfloat16", "bf16" -> throw new BadInputException("--dtype bfloat16: DJL's PyTorch engine aborts on bfloat16 arrays; use float16 (the same memory; bfloat16 checkpoints load into it) or float32");
            default -> throw new BadInputException("unknown dtype '" + name + "' (float32, float64 or float16)");
        };
    }
}
