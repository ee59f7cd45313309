package dev.smda.train;

import dev.smda.model.LlamaModel;
import java.util.List;

/**
 * How one fine-tuning update is made: optimiser, learning rate, number of steps on the same batch,
 * and whether every weight moves (full) or only low-rank adapters on the block projections (LoRA).
 */
public record SftConfig(
        Optimizer optimizer,
        double learningRate,
        int steps,
        double weightDecay,
        double beta1,
        double beta2,
        double epsilon,
        Mode mode,
        int loraRank,
        double loraAlpha,
        List<String> loraTargets,
        long seed) {

    public enum Optimizer { SGD, ADAMW }

    public enum Mode { FULL, LORA }

    public SftConfig {
        loraTargets = List.copyOf(loraTargets);
        if (learningRate <= 0 || steps < 1) {
            throw new IllegalArgumentException("learning rate must be positive and steps at least 1");
        }
        if (mode == Mode.LORA && loraRank < 1) {
            throw new IllegalArgumentException("LoRA rank must be at least 1");
        }
        for (String t : loraTargets) {
            if (!LlamaModel.PROJECTIONS.contains(t)) {
                throw new IllegalArgumentException("unknown LoRA target '" + t + "' (one of " + LlamaModel.PROJECTIONS + ")");
            }
        }
    }

    /** Plain SGD on every weight. */
    public static SftConfig sgd(double learningRate, int steps) {
        return new SftConfig(Optimizer.SGD, learningRate, steps, 0, 0.9, 0.999, 1e-8, Mode.FULL, 0, 0, LlamaModel.PROJECTIONS, 0);
    }

    /** AdamW (decoupled weight decay, as torch.optim.AdamW) on every weight. */
    public static SftConfig adamW(double learningRate, int steps, double beta1, double beta2, double epsilon, double weightDecay) {
        return new SftConfig(Optimizer.ADAMW, learningRate, steps, weightDecay, beta1, beta2, epsilon, Mode.FULL, 0, 0, LlamaModel.PROJECTIONS, 0);
    }

    /** This update at another learning rate. */
    public SftConfig withLearningRate(double rate) {
        return new SftConfig(optimizer, rate, steps, weightDecay, beta1, beta2, epsilon, mode, loraRank, loraAlpha, loraTargets, seed);
    }

    public SftConfig withLora(int rank, double alpha, List<String> targets, long seed) {
        return new SftConfig(optimizer, learningRate, steps, weightDecay, beta1, beta2, epsilon, Mode.LORA, rank, alpha, targets, seed);
    }
}
