package dev.smda.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smda.model.LlamaConfig;
import dev.smda.model.LlamaModel;
import dev.smda.model.LoraAdapter;
import dev.smda.tensor.Tensors;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The adapters a LoRA fine-tuning starts from, the usual way: A uniform in ±1/√in (drawn from the
 * update's seed, block by block in the targets' order), B zero, so the adapted model begins exactly
 * at the base. Fine-tuning and the gradient estimator draw the same A from the same settings.
 */
public final class LoraStart {

    private LoraStart() {}

    /** Adapter per adapted weight name, in the model's block order; the arrays belong to {@code owner}. */
    public static Map<String, LoraAdapter> of(LlamaModel base, SftConfig config, NDManager owner) {
        if (config.mode() != SftConfig.Mode.LORA) {
            throw new IllegalArgumentException("not a LoRA update");
        }
        Random random = new Random(config.seed());
        LlamaConfig c = base.config();
        double scale = config.loraAlpha() / config.loraRank();
        Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
        for (int l = 0; l < c.numLayers(); l++) {
            for (String target : config.loraTargets()) {
                String name = LlamaModel.blockWeight(l, target);
                Shape shape = base.weight(name).getShape();
                long out = shape.get(0);
                long in = shape.get(1);
                float[] a = new float[Math.toIntExact(config.loraRank() * in)];
                double bound = 1 / Math.sqrt(in);
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                }
                adapters.put(name, new LoraAdapter(Tensors.owned(owner, a, new Shape(config.loraRank(), in)).toType(base.dtype(), false),
                        owner.zeros(new Shape(out, config.loraRank()), base.dtype()), scale));
            }
        }
        return adapters;
    }
}
