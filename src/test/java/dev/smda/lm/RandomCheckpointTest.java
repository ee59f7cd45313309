package dev.smda.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smda.io.Json;
import dev.smda.model.LlamaConfig;
import dev.smda.model.LlamaInit;
import dev.smda.model.LlamaModel;
import dev.smda.model.RopeScaling;
import dev.smda.tensor.DType;
import dev.smda.tensor.Torch;
import dev.smda.testing.DemoRun;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint of random weights written tensor by tensor (for real models' shapes too large to hold
 * twice) is a Hugging Face folder smda opens, holding {@link LlamaInit#random}'s weights of the same
 * seed rounded to its storage type.
 */
class RandomCheckpointTest {

    @Test
    void bfloat16RoundsToTheNearestEvenAsIeeeDoes() {
        // 1 + 2^-8 lies halfway between 1 (0x3f80) and 1 + 2^-7 (0x3f81): the tie goes to the even one;
        // 1 + 3 * 2^-8 lies halfway between 0x3f81 and 0x3f82: again to the even one, upwards.
        float[] values = {1f, 1f + 0x1p-8f, 1f + 3 * 0x1p-8f, 1f + 0x1p-8f + 0x1p-20f, -2.5f, Float.POSITIVE_INFINITY};
        short[] expected = {0x3f80, 0x3f80, 0x3f82, 0x3f81, (short) 0xc020, 0x7f80};
        ByteBuffer b = ByteBuffer.wrap(DType.BF16.encode(values)).order(ByteOrder.LITTLE_ENDIAN);
        short[] actual = new short[values.length];
        b.asShortBuffer().get(actual);
        assertArrayEquals(expected, actual);
    }

    @Test
    void theWrittenFolderOpensWithTheSeedsWeightsInItsStorageType(@TempDir Path dir) throws Exception {
        LlamaConfig config = new LlamaConfig(1000, 32, 48, 2, 4, 2, 8, 1e-5, 500000, RopeScaling.llama3(32, 1, 4, 8192), 256, true, 1, List.of(2), "bfloat16");
        Path model = DemoRun.WORLD.resolve("model");
        HfCheckpoint.writeRandom(dir.resolve("m"), config, 9, 0.02, DType.BF16, Json.read(model.resolve("tokenizer.json")),
                (ObjectNode) Json.read(model.resolve("tokenizer_config.json")));
        try (NDManager m = Torch.newManager(); LlamaModel reference = LlamaInit.random(config, 9, 0.02, m, DataType.FLOAT32);
                LanguageModel opened = Models.open(dir.resolve("m"), DataType.FLOAT32)) {
            assertEquals(config, opened.model().config());
            assertEquals("BF16", opened.source().storedDtype());
            for (var e : reference.weights().entrySet()) {
                float[] drawn = e.getValue().toFloatArray();
                float[] stored = opened.model().weight(e.getKey()).toFloatArray();
                for (int i = 0; i < drawn.length; i++) {
                    // BF16 keeps 8 significant bits: the nearest is at most half a step, 2^-8 of the value, away
                    assertEquals(drawn[i], stored[i], Math.abs(drawn[i]) * 0x1p-8f, e.getKey() + "[" + i + "]");
                    assertEquals(0, Float.floatToRawIntBits(stored[i]) & 0xffff, e.getKey() + "[" + i + "] is not a BF16 value");
                }
            }
        }
    }
}
