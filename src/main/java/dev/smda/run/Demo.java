package dev.smda.run;

import dev.smda.execute.Executor;
import dev.smda.tensor.Torch;

/**
 * The settings `smda demo` runs the embedded world with: smda's defaults, but one SGD step at
 * learning rate 1e-2 per pair. The default 1e-4 is the paper's step for Llama-3.2-3B; on the
 * world's 0.9M-parameter model it moves refusal on the probes by about 1e-5 on average (measured),
 * below anything the decomposition can resolve.
 */
public final class Demo {

    private Demo() {}

    public static RunConfig config() {
        RunConfig d = RunConfig.defaults();
        return d.with("demo", d.update().withLearningRate(1e-2));
    }

    /**
     * Where the demo estimates its pairs: one in-process worker per engine thread. The world's model
     * is small enough that its products gain little from a second thread, so pairs side by side on
     * one thread each go faster (README, *Performance*); the results are the same bytes.
     */
    public static Executor.Choice where() {
        return Executor.Choice.inProcess(Torch.threads());
    }
}
