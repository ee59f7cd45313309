package dev.smda.run;

import dev.smda.lm.LanguageModel;
import dev.smda.lm.Models;
import dev.smda.sae.Sae;
import dev.smda.sae.SaeFiles;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A run's model (with its chat date) and SAE, opened at the run's dtype and closed together: what a
 * run, a validation and every cluster worker of either work on.
 */
public record OpenedModel(LanguageModel lm, Sae sae) implements AutoCloseable {

    public static OpenedModel open(Path model, Path sae, RunConfig config) throws IOException {
        var dtype = Models.dtype(config.dtype());
        LanguageModel lm = Models.open(model, dtype);
        try {
            return new OpenedModel(lm.withChatDate(config.chatDate()), SaeFiles.load(sae, dtype, null));
        } catch (IOException | RuntimeException e) {
            lm.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try (lm) {
            sae.close();
        }
    }
}
