package dev.smda.lm;

import static dev.smda.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.smda.io.BadInputException;
import dev.smda.io.SafeTensorsFile;
import dev.smda.model.TokenBatch;
import dev.smda.testing.Fixtures;
import dev.smda.testing.TokenizerStrings;
import dev.smda.tokenizer.ChatFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * GGUF files written by an independent writer (scripts/reference/gguf_reference.py: llama.cpp's
 * tensor names, dimension order, query/key permutation, rope_freqs and quantisers) give the logits
 * PyTorch computes from the weights those files store.
 */
class GgufReferenceTest {

    @TempDir
    Path dir;

    private static double[] logits(LanguageModel lm, int[] ids) {
        try (NDArray hidden = lm.model().hidden(TokenBatch.of(ids)); NDArray logits = lm.model().logits(hidden)) {
            return logits.toType(DataType.FLOAT64, false).toDoubleArray();
        }
    }

    private static int[] ints(SafeTensorsFile ref, String name) {
        return Arrays.stream(ref.longs(name)).mapToInt(Math::toIntExact).toArray();
    }

    @ParameterizedTest
    @CsvSource({"pieces.f32,F32", "pieces.f16,F16", "pieces.bf16,BF16", "pieces.q8_0,Q8_0", "pieces.q4_0,'Q4_0, Q8_0'", "bytes.f16,F16",
        "kquants,'Q6_K, Q4_K'"})
    void logitsMatchTheReferenceForEveryTensorType(String fixture, String storedTypes) throws Exception {
        Path file = Fixtures.path("gguf/" + fixture + ".gguf");
        try (SafeTensorsFile ref = SafeTensorsFile.open(Fixtures.path("gguf/reference." + fixture + ".safetensors"));
                LanguageModel lm = Models.open(file, DataType.FLOAT64)) {
            assertEquals("gguf", lm.source().format());
            assertTrue(lm.source().storedDtype().startsWith(storedTypes), lm.source().storedDtype());
            // float64 arithmetic on exactly the stored values; the only difference left is the rope
            // divisors, stored as float32 in rope_freqs where the reference computes them in float64.
            assertClose(ref.doubles("logits"), logits(lm, ints(ref, "sequence")), 1e-6, fixture + " logits");
        }
    }

    @Test
    void computingInFloat32GivesTheSameLogitsToSinglePrecision() throws Exception {
        try (SafeTensorsFile ref = SafeTensorsFile.open(Fixtures.path("gguf/reference.pieces.q8_0.safetensors"));
                LanguageModel lm = Models.open(Fixtures.path("gguf/pieces.q8_0.gguf"), DataType.FLOAT32)) {
            assertClose(ref.doubles("logits"), logits(lm, ints(ref, "sequence")), 1e-4, "float32 logits");
        }
    }

    @Test
    void theFileDescribesItsArchitectureTokenizerAndChatFormat() throws Exception {
        ModelInfo pieces = ModelInfo.read(Fixtures.path("gguf/pieces.q4_0.gguf"));
        assertEquals("gguf", pieces.format());
        assertEquals(4, pieces.config().numHeads());
        assertEquals(2, pieces.config().numKvHeads());
        assertEquals("frequency_factors", pieces.config().ropeScaling().type(), "llama3 scaling arrives as rope_freqs");
        assertEquals(false, pieces.config().tieWordEmbeddings());
        assertEquals("none", pieces.chatVariant());
        ModelInfo bytes = ModelInfo.read(Fixtures.path("gguf/bytes.f16.gguf"));
        assertEquals(12, bytes.config().headDim(), "llama.attention.key_length");
        assertTrue(bytes.config().tieWordEmbeddings(), "no output.weight: tied");
        assertEquals("llama3", bytes.chatVariant());
        try (LanguageModel lm = Models.open(Fixtures.path("gguf/bytes.f16.gguf"), DataType.FLOAT32)) {
            assertNotNull(lm.chat());
            int eot = lm.tokenizer().requireId(ChatFormat.END_OF_TURN);
            assertTrue(lm.stopIds().contains(eot), "end of turn stops generation");
            int[] prompt = lm.chatPrompt(null, "How do I bake bread?");
            assertEquals(lm.tokenizer().requireId("<|begin_of_text|>"), prompt[0]);
            assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHow do I bake bread?<|eot_id|>"
                    + "<|start_header_id|>assistant<|end_header_id|>\n\n", lm.tokenizer().decode(prompt, false));
        }
    }

    @Test
    void theByteLevelTokenizerMatchesHuggingFaceTokenizersOnItsTokenizerJson() throws Exception {
        List<String> texts = new ArrayList<>(List.of("How do I bake bread at home?", "I can't help with that.", "<|eot_id|>x", ""));
        texts.addAll(TokenizerStrings.random(300, 7));
        try (LanguageModel lm = Models.open(Fixtures.path("gguf/bytes.f16.gguf"), DataType.FLOAT32);
                HuggingFaceTokenizer reference = HuggingFaceTokenizer.newInstance(Fixtures.path("gguf/bytes.tokenizer.json"),
                        Map.of("truncation", "false", "padding", "false", "maxLength", "100000"))) {
            for (String text : texts) {
                for (boolean special : new boolean[] {true, false}) {
                    int[] expected = Arrays.stream(reference.encode(text, special, false).getIds()).mapToInt(Math::toIntExact).toArray();
                    assertArrayEquals(expected, lm.tokenizer().encode(text, special), () -> "special=" + special + ": " + TokenizerStrings.escape(text));
                }
                assertEquals(text, lm.tokenizer().decode(lm.tokenizer().encode(text, false), false), () -> "round trip: " + TokenizerStrings.escape(text));
            }
        }
    }

    @Test
    void brokenFilesGetOneLineErrorsNamingTheFileAndThePart() throws Exception {
        byte[] good = Files.readAllBytes(Fixtures.path("gguf/pieces.q4_0.gguf"));

        Path truncated = dir.resolve("truncated.gguf");
        Files.write(truncated, Arrays.copyOf(good, 3000));
        String message = assertThrows(BadInputException.class, () -> Models.open(truncated, DataType.FLOAT32)).getMessage();
        assertTrue(message.startsWith(truncated.toString()) && message.contains("truncated"), message);

        Path notGguf = dir.resolve("model.gguf");
        Files.writeString(notGguf, "this is not a model");
        message = assertThrows(BadInputException.class, () -> Models.open(notGguf, DataType.FLOAT32)).getMessage();
        assertTrue(message.contains("neither a model folder") && message.contains("GGUF"), message);

        // The same file with one tensor declared MXFP4 (blocks of 32 in fewer bytes), a type smda does not read.
        byte[] patched = good.clone();
        int at = indexOf(patched, "blk.1.attn_q.weight".getBytes(StandardCharsets.UTF_8)) + "blk.1.attn_q.weight".length();
        int typeAt = at + 4 + 2 * 8; // n_dims, two dimensions
        assertEquals(2, patched[typeAt], "the fixture stores blk.1.attn_q.weight as Q4_0");
        patched[typeAt] = 39;
        Path mxfp4 = dir.resolve("mxfp4.gguf");
        Files.write(mxfp4, patched);
        message = assertThrows(BadInputException.class, () -> Models.open(mxfp4, DataType.FLOAT32)).getMessage();
        assertTrue(message.contains("'blk.1.attn_q.weight' is MXFP4") && message.contains("Q4_K"), message);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    void aModelWithoutChatTokensHasNoChatFormatAndSaysSo() throws Exception {
        try (LanguageModel lm = Models.open(Fixtures.path("gguf/pieces.f32.gguf"), DataType.FLOAT32)) {
            assertEquals(false, lm.hasChat());
            String message = assertThrows(BadInputException.class, () -> lm.chatPrompt(null, "hi")).getMessage();
            assertTrue(message.contains("--raw"), message);
        }
    }
}
