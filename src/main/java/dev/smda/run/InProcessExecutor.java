package dev.smda.run;

import dev.smda.lm.LanguageModel;
import dev.smda.progress.Progress;
import dev.smda.sae.Sae;
import java.util.List;
import java.io.IOException;

/** Estimates the slices one after another in the run's own process, on the model and SAE it already has open. */
final class InProcessExecutor implements PairExecutor {

    /** Pairs the gradient estimator takes through one backward pass. */
    private static final int GRADIENT_BATCH = 16;

    private final LanguageModel lm;
    private final Sae sae;
    private final Progress.Factory progress;

    InProcessExecutor(LanguageModel lm, Sae sae, Progress.Factory progress) {
        this.lm = lm;
        this.sae = sae;
        this.progress = progress;
    }

    @Override
    public int sliceSize(RunConfig config, int pairs) {
        // One pair at a time for the exact estimator: its measured effect is written before the next starts.
        return config.estimator() == RunConfig.Estimator.GRADIENT ? GRADIENT_BATCH : 1;
    }

    @Override
    public void estimate(EstimatorRecipe recipe, List<PairSlice> slices, Listener listener) throws IOException {
        try (SliceWorker worker = new SliceWorker(recipe, lm, sae, progress)) {
            listener.prepared();
            for (PairSlice slice : slices) {
                listener.finished(worker.estimate(slice));
            }
        }
    }
}
