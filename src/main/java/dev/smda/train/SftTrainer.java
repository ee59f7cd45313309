package dev.smda.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smda.model.Gradients;
import dev.smda.model.LlamaConfig;
import dev.smda.model.LlamaModel;
import dev.smda.model.LoraAdapter;
import dev.smda.tensor.Torch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Supervised fine-tuning updates. {@link #fineTune} returns a new model; the base model's weights
 * are never written, so restoring the base after an update is exact: close the updated model and
 * keep using the base.
 */
public final class SftTrainer {

    private SftTrainer() {}

    /** Applies {@code config.steps()} optimiser steps on {@code batch}, starting from {@code base}. */
    public static LlamaModel fineTune(LlamaModel base, List<SftExample> batch, SftConfig config) {
        return train(base, java.util.Collections.nCopies(config.steps(), batch), config);
    }

    /**
     * One optimiser step on each batch in turn (the optimiser's state carried from step to step),
     * starting from {@code base}: a pass of fine-tuning over a data set. {@code config.steps()} is not
     * used; the schedule is the steps.
     */
    public static LlamaModel train(LlamaModel base, List<List<SftExample>> schedule, SftConfig config) {
        if (schedule.isEmpty()) {
            throw new IllegalArgumentException("no fine-tuning steps");
        }
        long largest = schedule.stream().mapToLong(b -> largestProduct(base, b)).max().orElse(0);
        return Torch.serialIfSmall(largest, () -> config.mode() == SftConfig.Mode.FULL ? full(base, schedule, config) : lora(base, schedule, config));
    }

    /** Multiply-accumulates of the largest product in a forward over {@code batch}. */
    private static long largestProduct(LlamaModel model, List<SftExample> batch) {
        LlamaConfig c = model.config();
        return batch.stream().mapToLong(e -> e.tokens().length).sum() * c.hiddenSize() * Math.max(c.intermediateSize(), c.vocabSize());
    }

    /**
     * {@code steps} steps of full-batch gradient descent from {@code base}, each on the mean over
     * {@code examples} of each one's own loss (every example weighing as one step on it alone would),
     * its gradient summed over micro-batches of at most {@code microBatch} examples (fewer where one
     * thread is faster, so that the sum is bit-identical however many threads run). A pass of one-example
     * SGD steps over the examples at rate r moves the weights, to first order and in expectation over
     * the order, as {@code steps} of these at {@code r * examples.size() / steps} (the rate in
     * {@code config}, which the caller sets so).
     */
    public static LlamaModel descend(LlamaModel base, List<SftExample> examples, int steps, int microBatch, SftConfig config) {
        if (config.mode() != SftConfig.Mode.FULL || steps < 1 || examples.isEmpty()) {
            throw new IllegalArgumentException("full-batch descent needs full updates, at least one step and one example");
        }
        return full(base, steps, (current, step) -> meanGradient(current, examples, microBatch), config);
    }

    /**
     * The gradient of the mean of the examples' own losses, accumulated one micro-batch at a time. A
     * micro-batch stops short of {@code microBatch} examples where it would leave the sizes one thread
     * runs fastest ({@link Torch#serialIfSmall}), as a single pair's step does.
     */
    private static Map<String, NDArray> meanGradient(LlamaModel model, List<SftExample> examples, int microBatch) {
        Map<String, NDArray> sum = null;
        int from = 0;
        while (from < examples.size()) {
            int to = from + 1;
            while (to < examples.size() && to - from < microBatch && Torch.isSmall(largestProduct(model, examples.subList(from, to + 1)))) {
                to++;
            }
            List<SftExample> chunk = examples.subList(from, to);
            from = to;
            Map<String, NDArray> grads = Torch.serialIfSmall(largestProduct(model, chunk), () -> Gradients.ofWeights(model, model.weights().keySet(),
                    m -> SftLoss.perExample(m, chunk, dev.smda.model.Hooks.none()).sum().div(examples.size())));
            if (sum == null) {
                sum = grads;
            } else {
                for (var e : grads.entrySet()) {
                    sum.get(e.getKey()).addi(e.getValue());
                    e.getValue().close();
                }
            }
        }
        return sum;
    }

    /** The gradient every weight takes at one step of a pass, from the model as it is at that step. */
    private interface StepGradient {
        Map<String, NDArray> at(LlamaModel current, int step);
    }

    private static LlamaModel full(LlamaModel base, List<List<SftExample>> schedule, SftConfig config) {
        return full(base, schedule.size(), (current, step) -> Gradients.ofWeights(current, current.weights().keySet(), m -> SftLoss.of(m, schedule.get(step))),
                config);
    }

    private static LlamaModel full(LlamaModel base, int steps, StepGradient gradient, SftConfig config) {
        NDManager owner = base.weight(LlamaModel.EMBED).getManager().newSubManager();
        Map<String, NDArray> params = new LinkedHashMap<>(base.weights());
        try (Optimizer update = Optimizer.of(config, owner)) {
            for (int step = 0; step < steps; step++) {
                LlamaModel current = base.withWeights(params, null);
                Map<String, NDArray> grads = gradient.at(current, step);
                Map<String, NDArray> next = update.step(params, grads, config.learningRate());
                grads.values().forEach(NDArray::close);
                if (step > 0) {
                    params.values().forEach(NDArray::close);
                }
                params = next;
            }
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
        return base.withWeights(params, owner);
    }

    private static LlamaModel lora(LlamaModel base, List<List<SftExample>> schedule, SftConfig config) {
        NDManager owner = base.weight(LlamaModel.EMBED).getManager().newSubManager();
        try (Optimizer update = Optimizer.of(config, owner)) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (var e : LoraStart.of(base, config, owner).entrySet()) {
                params.put(e.getKey() + ".lora_A", e.getValue().a());
                params.put(e.getKey() + ".lora_B", e.getValue().b());
            }
            double scale = config.loraAlpha() / config.loraRank();
            for (List<SftExample> batch : schedule) {
                LlamaModel current = base.withLora(adapters(params, scale), null);
                Map<String, NDArray> grads = Gradients.ofLora(current, m -> SftLoss.of(m, batch));
                Map<String, NDArray> next = update.step(params, grads, config.learningRate());
                grads.values().forEach(NDArray::close);
                params.values().forEach(NDArray::close);
                params = next;
            }
            return base.withLora(adapters(params, scale), owner);
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    private static Map<String, LoraAdapter> adapters(Map<String, NDArray> params, double scale) {
        Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(params.keySet());
        for (String key : names) {
            if (key.endsWith(".lora_A")) {
                String name = key.substring(0, key.length() - ".lora_A".length());
                adapters.put(name, new LoraAdapter(params.get(key), params.get(name + ".lora_B"), scale));
            }
        }
        return adapters;
    }
}
