package dev.smda.gradient;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.smda.model.Hooks;
import dev.smda.model.LlamaModel;
import dev.smda.tensor.Autograd;
import dev.smda.tensor.Scoped;
import dev.smda.train.SftExample;
import dev.smda.train.SftLoss;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Each example's own gradient, for a whole batch from one forward and one backward pass: the sum
 * of per-example values is back-propagated to taps on every weight's output, and each weight's
 * per-example gradient is assembled from its inputs and output gradients (Σ_t g_t a_tᵀ for a matrix,
 * Σ_t g_t ⊙ x̂_t for an RMSNorm scale, the output gradients scattered by token id for the
 * embedding), in a {@link GradientSpace}: sketched from the projected factors when the space is a
 * Kronecker sketch, so a full per-example gradient is never formed there.
 */
public final class PerExampleGradients {

    private PerExampleGradients() {}

    /** {@code [batch, space.dimension()]}: row b is SFT example b's gradient of its mean response-token loss. */
    public static NDArray of(LlamaModel model, List<SftExample> examples, GradientSpace space) {
        int[] rowExample = SftLoss.ResponseRows.of(examples).example();
        return of(space, examples.size(), rowExample, hooks -> SftLoss.perExample(model, examples, hooks));
    }

    /**
     * {@code [batch, space.dimension()]}: the gradient of each of {@code values}' entries.
     *
     * @param values the per-example values {@code [batch]} of a forward pass run with the given hooks;
     *     examples are the batch rows of the pass, and must not interact
     * @param headRowExample for the rows the unembedding is applied to (picked from the batch, in
     *     example order), the example each belongs to
     */
    public static NDArray of(GradientSpace space, int batch, int[] headRowExample, Function<Hooks, NDArray> values) {
        try (TapRecorder taps = new TapRecorder()) {
            backward(taps, values, batch, null);
            return Scoped.compute(() -> assemble(taps.uses(), batch, headRowExample, space, false));
        }
    }

    /**
     * The gradients of some weighted sums of one pass's outputs, from one forward pass: {@code values}
     * runs once (its output, any shape, still connected to autograd); for each k in {@code sums},
     * {@code each} gets {@code [space.dimension()]}, the gradient of Σ outputWeights(k) ⊙ values
     * (weights row-major in the output's shape; the caller closes it). No sums, no pass.
     */
    public static void ofWeightedSums(GradientSpace space, Function<Hooks, NDArray> values, int[] sums, IntFunction<double[]> outputWeights,
            BiConsumer<Integer, NDArray> each) {
        if (sums.length == 0) {
            return;
        }
        try (TapRecorder taps = new TapRecorder()) {
            Autograd.backwardEach(() -> values.apply(Hooks.none().tap(taps)), sums.length, j -> outputWeights.apply(sums[j]), j -> {
                each.accept(sums[j], Scoped.compute(() -> assemble(taps.uses(), 1, null, space, true).reshape(-1)));
                taps.clearGradients();
            });
        }
    }

    /**
     * What a block's per-example gradient rows ({@code [batch, size]}) become before they meet the
     * right-hand side in {@link #times}: an optimiser's step, say. {@code offset} is the block's
     * first coordinate in the space.
     */
    @FunctionalInterface
    public interface BlockMap {
        NDArray apply(long offset, NDArray gradients);
    }

    /**
     * {@code [batch, w]}: each SFT example's gradient, mapped block by block by {@code map}, times
     * {@code right} ({@code [space.dimension(), w]}), with each example's loss into {@code losses}
     * (when not null). The product is summed over blocks, so the {@code [batch, dimension]} gradient
     * matrix is never assembled: at large dimension, joining it costs as much as the product.
     */
    public static NDArray times(LlamaModel model, List<SftExample> examples, GradientSpace space, BlockMap map, NDArray right, double[] losses) {
        int[] rowExample = SftLoss.ResponseRows.of(examples).example();
        int batch = examples.size();
        try (TapRecorder taps = new TapRecorder()) {
            backward(taps, hooks -> SftLoss.perExample(model, examples, hooks), batch, losses);
            return Scoped.compute(() -> {
                NDArray sum = null;
                for (var e : perBlock(taps.uses(), batch, rowExample, space, false).entrySet()) {
                    GradientSpace.Block b = e.getKey();
                    NDArray product = map.apply(b.offset(), e.getValue()).matMul(right.get(new NDIndex(b.offset() + ":" + (b.offset() + b.size()))));
                    sum = sum == null ? product : sum.add(product);
                }
                return sum;
            });
        }
    }

    private static void backward(TapRecorder taps, Function<Hooks, NDArray> values, int batch, double[] valuesOut) {
        Autograd.backward(() -> {
            NDArray v = values.apply(Hooks.none().tap(taps));
            if (valuesOut != null) {
                System.arraycopy(v.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray(), 0, valuesOut, 0, batch);
            }
            return v.sum();
        });
    }

    private static NDArray assemble(List<TapRecorder.Use> uses, int batch, int[] headRowExample, GradientSpace space, boolean summed) {
        return NDArrays.concat(new NDList(perBlock(uses, batch, headRowExample, space, summed).values()), 1);
    }

    /** Each block's gradient rows {@code [batch, size]}, in the space's order. */
    private static Map<GradientSpace.Block, NDArray> perBlock(List<TapRecorder.Use> uses, int batch, int[] headRowExample, GradientSpace space,
            boolean summed) {
        Map<String, NDArray> byName = new LinkedHashMap<>();
        NDArray any = null;
        for (TapRecorder.Use use : uses) {
            GradientSpace.Block b = space.blockFor(use);
            if (b != null) {
                NDArray contribution = (summed ? summed(use, b) : contribution(use, b, batch, headRowExample)).reshape(batch, -1);
                byName.merge(b.name(), contribution, NDArray::add);
                any = contribution;
            }
        }
        Map<GradientSpace.Block, NDArray> out = new LinkedHashMap<>();
        for (GradientSpace.Block b : space.blocks()) {
            NDArray g = byName.get(b.name());
            // a weight the pass never reached (one stopping at a hook) has a zero gradient
            out.put(b, g != null ? g : any.getManager().zeros(new Shape(batch, b.size()), any.getDataType()));
        }
        return out;
    }

    /** One use's per-example gradient of its weight, {@code [batch, rows, columns]} of the block. */
    private static NDArray contribution(TapRecorder.Use use, GradientSpace.Block b, int batch, int[] headRowExample) {
        NDArray g = use.outputGradient();
        return switch (use.kind()) {
            case LINEAR -> use.input().getShape().dimension() == 3
                    ? GradientSpace.projectOut(b, g).transpose(0, 2, 1).matMul(GradientSpace.projectIn(b, use.input()))
                    : perRowExample(GradientSpace.projectOut(b, g), GradientSpace.projectIn(b, use.input()), batch, headRowExample);
            case SCALE -> GradientSpace.projectOut(b, g.mul(use.input()).sum(new int[] {1}));
            case LOOKUP -> {
                NDArray gi = GradientSpace.projectIn(b, g);
                if (b.outProjection() == null) {
                    yield scatterRows(use.input(), gi, b.out(), true);
                }
                yield b.outProjection().transpose().get(use.input()).transpose(0, 2, 1).matMul(gi);
            }
        };
    }

    /**
     * Rows of {@code values} ({@code [batch, length, d]}) added into a {@code [rows, d]} table at the
     * token ids ({@code [batch, length]}): per example ({@code [batch, rows, d]}) or for the whole
     * batch. Done by differentiating a lookup, whose backward pass is exactly this scatter-add (a
     * one-hot product would cost rows x tokens x d).
     */
    private static NDArray scatterRows(NDArray ids, NDArray values, long rows, boolean perExample) {
        long batch = ids.getShape().get(0);
        long d = values.getShape().get(values.getShape().dimension() - 1);
        NDArray table = perExample ? values.getManager().zeros(new Shape(batch, rows, d), values.getDataType())
                : values.getManager().zeros(new Shape(rows, d), values.getDataType());
        NDArray index;
        if (perExample) {
            long length = ids.getShape().get(1);
            long[] offsets = new long[(int) (batch * length)];
            for (int i = 0; i < offsets.length; i++) {
                offsets[i] = (i / length) * rows;
            }
            index = ids.reshape(-1).add(dev.smda.tensor.Tensors.owned(ids.getManager(), offsets).toType(ids.getDataType(), false));
        } else {
            index = ids.reshape(-1);
        }
        NDArray flatValues = values.reshape(-1, d);
        NDArray flatTable = table.reshape(-1, d);
        NDArray grad = Autograd.gradients(java.util.Map.of("table", flatTable), leaves -> leaves.get("table").get(index).mul(flatValues).sum()).get("table");
        // Autograd hands its gradients out of every scope: this one is the caller's scope's to close (it leaked one table per call before)
        ai.djl.ndarray.NDScope.register(grad);
        return grad.reshape(table.getShape());
    }

    /** One use's gradient of its weight with every batch row together, {@code [rows, columns]} of the block. */
    private static NDArray summed(TapRecorder.Use use, GradientSpace.Block b) {
        NDArray g = use.outputGradient();
        NDArray in = use.input();
        return switch (use.kind()) {
            case LINEAR -> {
                NDArray go = GradientSpace.projectOut(b, g);
                NDArray ai = GradientSpace.projectIn(b, in);
                yield go.reshape(-1, go.getShape().get(go.getShape().dimension() - 1)).transpose()
                        .matMul(ai.reshape(-1, ai.getShape().get(ai.getShape().dimension() - 1)));
            }
            case SCALE -> GradientSpace.projectOut(b, g.mul(in).reshape(-1, g.getShape().get(2)).sum(new int[] {0}));
            case LOOKUP -> {
                NDArray ids = in.reshape(-1);
                NDArray gi = GradientSpace.projectIn(b, g).reshape(ids.getShape().get(0), -1);
                yield b.outProjection() == null ? scatterRows(ids.reshape(1, -1), gi.reshape(1, ids.getShape().get(0), -1), b.out(), false)
                        : b.outProjection().transpose().get(ids).transpose().matMul(gi);
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
