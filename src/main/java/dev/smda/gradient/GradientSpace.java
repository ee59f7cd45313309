package dev.smda.gradient;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smda.model.LlamaModel;
import dev.smda.tensor.Scoped;
import dev.smda.tensor.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The space gradients are compared in: every weight of a model, flattened in a fixed order, either
 * as it is ({@link #full}) or with each weight matrix G ({@code [out, in]}) sketched as
 * P_out G P_inᵀ by two seeded Gaussian matrices of {@code k} rows each ({@link #kronecker}, as
 * LoGra does). The sketch keeps inner products in expectation (the entries of P have variance
 * 1/k, so E[PᵀP] = I), and a per-example gradient Σ_t g_t a_tᵀ is sketched from its projected
 * factors without ever being formed. A side no longer than k is left as it is.
 */
public final class GradientSpace implements AutoCloseable {

    /** One weight's place in the flattened space and its projections (null: that side is kept). */
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
    private final long dimension;
    private final int k;
    private final NDManager manager;
    private final DataType dtype;

    private GradientSpace(Map<String, Block> blocks, long dimension, int k, NDManager manager, DataType dtype) {
        this.dtype = dtype;
        this.blocks = blocks;
        this.dimension = dimension;
        this.k = k;
        this.manager = manager;
    }

    /** Every weight as it is: inner products are exact. */
    public static GradientSpace full(LlamaModel model) {
        return of(model, 0, 0);
    }

    /** Each weight matrix sketched to at most k x k (vectors to k), seeded. */
    public static GradientSpace kronecker(LlamaModel model, int k, long seed) {
        if (k < 1) {
            throw new IllegalArgumentException("the projection dimension must be at least 1");
        }
        return of(model, k, seed);
    }

    private static GradientSpace of(LlamaModel model, int k, long seed) {
        NDManager manager = model.weight(LlamaModel.EMBED).getManager().newSubManager();
        Random random = new Random(seed);
        Map<String, Block> blocks = new LinkedHashMap<>();
        long offset = 0;
        for (var e : model.weights().entrySet()) {
            long[] shape = e.getValue().getShape().getShape();
            long out = shape[0];
            long in = shape.length > 1 ? shape[1] : 1;
            NDArray po = k > 0 && out > k ? gaussian(manager, random, k, out, model.dtype()) : null;
            NDArray pi = k > 0 && in > k ? gaussian(manager, random, k, in, model.dtype()) : null;
            Block b = new Block(e.getKey(), out, in, po, pi, offset);
            blocks.put(e.getKey(), b);
            offset += b.size();
        }
        return new GradientSpace(blocks, offset, k, manager, model.dtype());
    }

    private static NDArray gaussian(NDManager manager, Random random, int rows, long columns, DataType dtype) {
        float[] v = new float[Math.toIntExact(rows * columns)];
        double sd = 1 / Math.sqrt(rows);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * sd);
        }
        return Tensors.owned(manager, v, new Shape(rows, columns)).toType(dtype, false);
    }

    /** The number of coordinates of a gradient in this space. */
    public long dimension() {
        return dimension;
    }

    /** 0 for the full space, else the sketch's k. */
    public int projection() {
        return k;
    }

    public boolean isFull() {
        return k == 0;
    }

    List<Block> blocks() {
        return new ArrayList<>(blocks.values());
    }

    Block block(String weight) {
        Block b = blocks.get(weight);
        if (b == null) {
            throw new IllegalArgumentException("no weight " + weight + " in this gradient space");
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
     * Weights the map lacks count as zero.
     */
    public NDArray flatten(Map<String, NDArray> gradients) {
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

    /** A flattened vector of this space split back into per-weight arrays of the sketched shapes. */
    public Map<String, NDArray> unflatten(NDArray flat) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Block b : blocks.values()) {
            out.put(b.name(), flat.get(b.offset() + ":" + (b.offset() + b.size())).reshape(b.rows(), b.columns()));
        }
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
