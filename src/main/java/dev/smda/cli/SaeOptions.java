package dev.smda.cli;

import dev.smda.lm.LanguageModel;
import dev.smda.sae.Sae;
import dev.smda.sae.SaeFiles;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of commands that read a model through an SAE. */
final class SaeOptions {

    @Option(names = "--sae", required = true, paramLabel = "DIR", description = "SAELens or sparsify folder.")
    Path sae;

    @Option(names = "--hook", paramLabel = "NAME", description = "Override the SAE's hook.")
    String hook;

    void check() {
        Checks.folder(sae, "--sae");
    }

    /** The SAE, in the model's precision, refused if it cannot read the model. */
    Sae load(LanguageModel lm) throws IOException {
        check();
        Sae s = SaeFiles.load(sae, lm.model().dtype(), hook);
        try {
            s.checkFits(lm.model().config(), sae.toString());
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }
}
