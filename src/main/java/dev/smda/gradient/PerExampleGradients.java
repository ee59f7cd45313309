package dev.smda.gradient;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import dev.smda.model.Hooks;
import dev.smda.model.LlamaModel;
import dev.smda.tensor.Autograd;
import dev.smda.tensor.Scoped;
import dev.smda.train.SftExample;
import dev.smda.train.SftLoss;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Each example's gradient of its own SFT loss, for a whole batch from one forward and one backward
 * pass: the sum of the examples' losses is back-propagated to taps on every weight's output, and each
 * weight's per-example gradient is assembled from its inputs and output gradients (Σ_t g_t a_tᵀ for a
 * matrix, Σ_t g_t ⊙ x̂_t for an RMSNorm scale, the output gradients scattered by token id for the
 * embedding), in a {@link GradientSpace}: sketched from the projected factors when the space is a
 * Kronecker sketch, so a full per-example gradient is never formed there.
 */
public final class PerExampleGradients {

    private PerExampleGradients() {}

    /** {@code [batch, space.dimension()]}: row b is example b's gradient of its mean response-token loss. */
    public static NDArray of(LlamaModel model, List<SftExample> examples, GradientSpace space) {
        try (TapRecorder taps = new TapRecorder()) {
            Autograd.backward(() -> SftLoss.perExample(model, examples, Hooks.none().tap(taps)).sum());
            int[] rowExample = SftLoss.ResponseRows.of(examples).example();
            return Scoped.compute(() -> assemble(taps.uses(), examples.size(), rowExample, space));
        }
    }

    private static NDArray assemble(List<TapRecorder.Use> uses, int batch, int[] rowExample, GradientSpace space) {
        Map<String, NDArray> perWeight = new LinkedHashMap<>();
        for (TapRecorder.Use use : uses) {
            GradientSpace.Block b = space.block(use.weight());
            NDArray contribution = contribution(use, b, batch, rowExample).reshape(batch, -1);
            perWeight.merge(use.weight(), contribution, NDArray::add);
        }
        NDList parts = new NDList();
        for (GradientSpace.Block b : space.blocks()) {
            NDArray g = perWeight.get(b.name());
            if (g == null) {
                throw new IllegalStateException("the loss did not use weight " + b.name());
            }
            parts.add(g);
        }
        return NDArrays.concat(parts, 1);
    }

    /** One use's per-example gradient of its weight, {@code [batch, rows, columns]} of the block. */
    private static NDArray contribution(TapRecorder.Use use, GradientSpace.Block b, int batch, int[] rowExample) {
        NDArray g = use.outputGradient();
        return switch (use.kind()) {
            case LINEAR -> use.input().getShape().dimension() == 3
                    ? GradientSpace.projectOut(b, g).transpose(0, 2, 1).matMul(GradientSpace.projectIn(b, use.input()))
                    : perRowExample(GradientSpace.projectOut(b, g), GradientSpace.projectIn(b, use.input()), batch, rowExample);
            case SCALE -> GradientSpace.projectOut(b, g.mul(use.input()).sum(new int[] {1}));
            case LOOKUP -> {
                NDArray rows = b.outProjection() == null
                        ? use.input().oneHot((int) b.out(), g.getDataType())
                        : b.outProjection().transpose().get(use.input());
                yield rows.transpose(0, 2, 1).matMul(GradientSpace.projectIn(b, g));
            }
        };
    }

    /** Σ over each example's rows of gᵣ aᵣᵀ, for a weight applied to rows picked from the batch (the unembedding). */
    private static NDArray perRowExample(NDArray g, NDArray a, int batch, int[] rowExample) {
        NDList out = new NDList();
        int start = 0;
        for (int e = 0; e < batch; e++) {
            int end = start;
            while (end < rowExample.length && rowExample[end] == e) {
                end++;
            }
            NDIndex rows = new NDIndex(start + ":" + end);
            out.add(g.get(rows).transpose().matMul(a.get(rows)).expandDims(0));
            start = end;
        }
        return NDArrays.concat(out);
    }
}
