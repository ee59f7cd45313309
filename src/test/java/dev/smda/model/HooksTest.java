package dev.smda.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.smda.io.BadInputException;
import dev.smda.tensor.Torch;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HooksTest {

    private static NDManager manager;
    private static LlamaModel model;

    @BeforeAll
    static void build() {
        manager = Torch.newManager();
        LlamaConfig config = new LlamaConfig(40, 16, 32, 3, 4, 1, 4, 1e-5, 10000, RopeScaling.NONE, 64, true, 0, List.of(1), "float64");
        model = LlamaInit.random(config, 3, 0.3, manager, DataType.FLOAT64);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void residualPostOfOneBlockIsResidualPreOfTheNextAndReadingChangesNothing() {
        int[] tokens = {1, 4, 9, 16, 25};
        Hooks hooks = Hooks.none();
        try (Hooks.Capture post = hooks.capture("blocks.0.hook_resid_post"); Hooks.Capture pre = hooks.capture("blocks.1.hook_resid_pre");
                NDArray hooked = model.hidden(TokenBatch.of(tokens), hooks, null); NDArray plain = model.hidden(TokenBatch.of(tokens))) {
            assertArrayEquals(post.get().toDoubleArray(), pre.get().toDoubleArray(), 0.0);
            assertArrayEquals(plain.toDoubleArray(), hooked.toDoubleArray(), 0.0);
        }
    }

    @Test
    void writingTheEmbeddingOfOtherTokensIsRunningThoseTokens() {
        int[] tokens = {1, 4, 9, 16, 25};
        int[] other = {2, 3, 5, 7, 11};
        Hooks read = Hooks.none();
        try (Hooks.Capture embedOther = read.capture("hook_embed")) {
            model.runHooks(TokenBatch.of(other), read);
            Hooks patch = Hooks.none().add("hook_embed", a -> embedOther.get());
            try (NDArray patched = model.hidden(TokenBatch.of(tokens), patch, null); NDArray direct = model.hidden(TokenBatch.of(other))) {
                assertArrayEquals(direct.toDoubleArray(), patched.toDoubleArray(), 0.0);
            }
        }
    }

    @Test
    void aHookCanZeroTheLastNormAndTheLogitsVanish() {
        Hooks zero = Hooks.none().add("ln_final.hook_normalized", NDArray::zerosLike);
        try (NDArray h = model.hidden(TokenBatch.of(new int[] {1, 2, 3}), zero, null); NDArray logits = model.logits(h)) {
            assertArrayEquals(new double[(int) logits.size()], logits.toDoubleArray(), 0.0);
        }
    }

    @Test
    void unknownHookPointsAreRejected() {
        assertThrows(BadInputException.class, () -> Hooks.none().add("blocks.0.hook_resid", a -> a));
        assertThrows(BadInputException.class, () -> Hooks.none().add("resid_post", a -> a));
    }
}
