package dev.smda.gradient;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smda.model.LlamaModel;
import dev.smda.model.LoraAdapter;
import dev.smda.tensor.Scoped;
import dev.smda.tensor.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The space gradients are compared in, flattened in a fixed order of blocks, with each block's
 * matrix G ({@code [out, in]}) kept as it is or sketched as P_out G P_inᵀ by two matrices of
 * {@code k} rows, a Kronecker-factored projection as LoGra's ({@link #sketched}; smda aims them at
 * the probes' gradients, {@link ProbeSubspaces}). A per-example gradient Σ_t g_t a_tᵀ is sketched
 * from its projected factors without ever being formed. A side no longer than k is kept.
 *
 * <p>Three coverages: every weight of the model ({@link #full}, {@link #sketched}; a tied
 * unembedding's use folds into the embedding); only the weights used as linear maps, the
 * unembedding as a block of its own ({@link #linear}: the modules kronfluence tracks); or every
 * use apart ({@link #uses}: every weight, and a tied unembedding as a block of its own), from which
 * both others follow ({@link #into}). And a fourth, LoRA's parameter space ({@link #lora}): only the
 * adapted weights, each kept as the gradient of its adapter's B.
 */
public final class GradientSpace implements AutoCloseable {

    /** One block's place in the flattened space and its projections (null: that side is kept). */
    record Block(String name, long out, long in, NDArray outProjection, NDArray inProjection, long offset) {
        long rows() {
            return outProjection == null ? out : outProjection.getShape().get(0);
        }

        long columns() {
            return inProjection == null ? in : inProjection.getShape().get(0);
        }

        long size() {
            return rows() * columns();
        }
    }

    private final Map<String, Block> blocks;
    private final boolean linearOnly;
    /** Whether uses of weights without a block are left out (LoRA's) rather than an error. */
    private final boolean partial;
    private final boolean tied;
    private final String tiedHead;
    private final long dimension;
    private final int k;
    private final NDManager manager;
    private final DataType dtype;

    private GradientSpace(Map<String, Block> blocks, boolean linearOnly, boolean partial, boolean tied, String tiedHead, long dimension, int k,
            NDManager manager, DataType dtype) {
        this.blocks = blocks;
        this.partial = partial;
        this.tied = tied;
        this.linearOnly = linearOnly;
        this.tiedHead = tiedHead;
        this.dimension = dimension;
        this.k = k;
        this.manager = manager;
        this.dtype = dtype;
    }

    /** Every weight as it is: inner products are exact. */
    public static GradientSpace full(LlamaModel model) {
        return of(model, false, false, 0, null);
    }

    /** Every weight as it is, a tied unembedding's use kept apart from the embedding's lookup. */
    public static GradientSpace uses(LlamaModel model) {
        return of(model, false, true, 0, null);
    }

    /** The weights used as linear maps (every block projection, and the unembedding), as they are. */
    public static GradientSpace linear(LlamaModel model) {
        return of(model, true, false, 0, null);
    }

    /**
     * LoRA's parameter space for adapters that start at B = 0: each adapted weight's gradient G is
     * kept as G (s·A)ᵀ ({@code [out, rank]}), which is the gradient of its B; the weights LoRA does
     * not move are left out. From B = 0 a step ΔB moves the weight by s·ΔB·A to first order, so
     * ⟨G, s·ΔB·A⟩ = ⟨G (s·A)ᵀ, ΔB⟩: inner products here are those of LoRA's update, with no sketch.
     * The adapters' arrays stay the caller's.
     */
    public static GradientSpace lora(LlamaModel model, Map<String, LoraAdapter> adapters) {
        NDManager manager = model.weight(LlamaModel.EMBED).getManager().newSubManager();
        Map<String, Block> blocks = new LinkedHashMap<>();
        long offset = 0;
        for (var e : adapters.entrySet()) {
            long[] shape = model.weight(e.getKey()).getShape().getShape();
            NDArray scaledA = Tensors.times(e.getValue().a(), e.getValue().scale());
            scaledA.attach(manager);
            Block b = new Block(e.getKey(), shape[0], shape[1], null, scaledA, offset);
            blocks.put(e.getKey(), b);
            offset += b.size();
        }
        return new GradientSpace(blocks, true, true, false, null, offset, 0, manager, model.dtype());
    }

    /** Where a sketched space's projections come from: one side's {@code [k, length]}, made in {@code manager}. */
    @FunctionalInterface
    interface Sides {
        NDArray projection(NDManager manager, String block, boolean outSide, long length);
    }

    /** Every weight (a tied unembedding folded into the embedding), each side longer than k projected by {@code sides}. */
    static GradientSpace sketched(LlamaModel model, int k, Sides sides) {
        return of(model, false, false, k, sides);
    }

    private static GradientSpace of(LlamaModel model, boolean linearOnly, boolean headApart, int k, Sides sides) {
        NDManager manager = model.weight(LlamaModel.EMBED).getManager().newSubManager();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        model.weights().forEach((name, w) -> {
            long[] shape = w.getShape().getShape();
            boolean matrix = shape.length == 2 && !name.equals(LlamaModel.EMBED);
            if (!linearOnly || matrix) {
                shapes.put(name, shape);
            }
        });
        boolean tied = model.config().tieWordEmbeddings();
        if ((linearOnly || headApart) && tied) {
            shapes.put(LlamaModel.LM_HEAD, model.weight(LlamaModel.EMBED).getShape().getShape());
        }
        Map<String, Block> blocks = new LinkedHashMap<>();
        long offset = 0;
        for (var e : shapes.entrySet()) {
            long out = e.getValue()[0];
            long in = e.getValue().length > 1 ? e.getValue()[1] : 1;
            NDArray po = k > 0 && out > k ? sides.projection(manager, e.getKey(), true, out) : null;
            NDArray pi = k > 0 && in > k ? sides.projection(manager, e.getKey(), false, in) : null;
            Block b = new Block(e.getKey(), out, in, po, pi, offset);
            blocks.put(e.getKey(), b);
            offset += b.size();
        }
        return new GradientSpace(blocks, linearOnly, false, tied, !linearOnly && !headApart && tied ? LlamaModel.EMBED : null, offset, k, manager, model.dtype());
    }

    /** The number of coordinates of a gradient in this space. */
    public long dimension() {
        return dimension;
    }

    /** 0 when blocks are kept as they are, else the sketch's k. */
    public int projection() {
        return k;
    }

    public boolean isSketched() {
        return k > 0;
    }

    List<Block> blocks() {
        return new ArrayList<>(blocks.values());
    }

    /** The block a weight's use adds to; null when this space leaves that use out. */
    Block blockFor(TapRecorder.Use use) {
        if (linearOnly && use.kind() != TapRecorder.Kind.LINEAR) {
            return null;
        }
        String name = tiedHead != null && use.weight().equals(LlamaModel.LM_HEAD) ? tiedHead : use.weight();
        Block b = blocks.get(name);
        if (b == null && !partial) {
            throw new IllegalArgumentException("no weight " + name + " in this gradient space");
        }
        return b;
    }

    /** {@code [..., out]} to {@code [..., rows]}: the output side's projection. */
    static NDArray projectOut(Block b, NDArray g) {
        return b.outProjection() == null ? g : g.matMul(b.outProjection().transpose());
    }

    /** {@code [..., in]} to {@code [..., columns]}: the input side's projection. */
    static NDArray projectIn(Block b, NDArray a) {
        return b.inProjection() == null ? a : a.matMul(b.inProjection().transpose());
    }

    /**
     * A gradient given per weight (as autograd returns it), flattened into this space: {@code [dimension]}.
     * Only for a space that covers every weight; weights the map lacks count as zero.
     */
    public NDArray flatten(Map<String, NDArray> gradients) {
        if (linearOnly) {
            throw new IllegalStateException("a linear-use space cannot split a tied weight's gradient by use");
        }
        return Scoped.compute(() -> {
            NDList parts = new NDList();
            for (Block b : blocks.values()) {
                NDArray g = gradients.get(b.name());
                if (g == null) {
                    parts.add(manager.zeros(new Shape(b.size()), dtype));
                    continue;
                }
                NDArray matrix = g.reshape(b.out(), b.in());
                parts.add(projectIn(b, projectOut(b, matrix.transpose()).transpose()).reshape(-1));
            }
            return NDArrays.concat(parts);
        });
    }

    /**
     * Rows of this space as rows of {@code target} (neither sketched): a block the target has takes
     * the same block from here; where one space keeps a tied unembedding apart and the other folds
     * it into the embedding, the folding one gets the sum, the other its share of the fold (the
     * embedding's rows copied). So ⟨into(g), into(t)⟩ in a folding space equals
     * ⟨g, into(into(t, folding), this)⟩ here, and a zero block stands for a use the target lacks.
     */
    public NDArray into(NDArray rows, GradientSpace target) {
        if (isSketched() || target.isSketched() || partial || target.partial) {
            throw new IllegalArgumentException("only unsketched spaces of the model's weights map into each other");
        }
        return Scoped.compute(() -> {
            Map<String, NDArray> mine = unflatten(rows);
            long lead = rows.getShape().get(0);
            Map<String, NDArray> theirs = new LinkedHashMap<>();
            for (Block b : target.blocks.values()) {
                NDArray v = mine.get(b.name());
                if (b.name().equals(target.tiedHead) && mine.containsKey(LlamaModel.LM_HEAD)) {
                    v = v.add(mine.get(LlamaModel.LM_HEAD));
                } else if (b.name().equals(LlamaModel.LM_HEAD) && v == null && tiedHead != null) {
                    v = mine.get(tiedHead);
                }
                theirs.put(b.name(), v != null ? v : manager.zeros(new Shape(lead, b.rows(), b.columns()), dtype));
            }
            return target.flattenBlocks(theirs, 1);
        });
    }

    /** A flattened vector (or rows of them, {@code [..., dimension]}) split into per-block matrices of the kept shapes. */
    public Map<String, NDArray> unflatten(NDArray flat) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        long[] lead = flat.getShape().slice(0, flat.getShape().dimension() - 1).getShape();
        String prefix = ":,".repeat(lead.length);
        for (Block b : blocks.values()) {
            long[] shape = java.util.stream.LongStream.concat(java.util.Arrays.stream(lead), java.util.stream.LongStream.of(b.rows(), b.columns())).toArray();
            out.put(b.name(), flat.get(prefix + b.offset() + ":" + (b.offset() + b.size())).reshape(shape));
        }
        return out;
    }

    /** Rows of per-block matrices joined back into flat vectors: the inverse of {@link #unflatten}. */
    public NDArray flattenBlocks(Map<String, NDArray> perBlock, int leadingDimensions) {
        NDList parts = new NDList();
        for (Block b : blocks.values()) {
            NDArray m = perBlock.get(b.name());
            long[] shape = m.getShape().slice(0, leadingDimensions).getShape();
            parts.add(m.reshape(java.util.stream.LongStream.concat(java.util.Arrays.stream(shape), java.util.stream.LongStream.of(-1)).toArray()));
        }
        return NDArrays.concat(parts, leadingDimensions);
    }

    @Override
    public void close() {
        manager.close();
    }
}
