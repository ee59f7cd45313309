package dev.smda.run;

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
}
