package dev.smda.gradient;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smda.model.Hooks;
import dev.smda.model.LlamaModel;
import dev.smda.tensor.Autograd;
import dev.smda.tensor.Scoped;
import dev.smda.tensor.Tensors;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * The subspaces the probes' gradients lie in, for a Kronecker sketch aimed at them rather than
 * drawn at random. Over a pass a weight's gradient is Σ_t g_t a_tᵀ (the output gradient times the
 * input, per token), so every gradient the probes give a weight lies in the span of their g_t on
 * one side and of their a_t on the other, and a sketch that keeps those spans keeps every inner
 * product with such a gradient exactly. A randomized range finder (Halko, Martinsson and Tropp)
 * collects them: per block and side, {@code width} random combinations of the per-token vectors of
 * each backward pass given to {@link #add}, each vector weighted by the other side's norm (its share
 * of the outer product) and each pass's vectors by the same total; the top k right singular vectors
 * of a side's combinations become its projection, with orthonormal rows.
 */
public final class ProbeSubspaces implements AutoCloseable {

    private final LlamaModel model;
    private final GradientSpace layout;
    private final int width;
    private final Random random;
    private final NDManager manager;
    /** Per block, {@code [width, length]} random combinations of its output side's and input side's vectors. */
    private final Map<String, NDArray> outSide = new LinkedHashMap<>();
    private final Map<String, NDArray> inSide = new LinkedHashMap<>();

    /** @param width the combinations kept per side: at least the sketch's k, more for a finer range */
    public ProbeSubspaces(LlamaModel model, int width, long seed) {
        this.model = model;
        this.layout = GradientSpace.full(model);
        this.width = width;
        this.random = new Random(seed);
        this.manager = model.weight(LlamaModel.EMBED).getManager().newSubManager();
    }

    /** One backward pass of {@code scalar} (a forward pass run with the given hooks); its per-token vectors join the ranges. */
    public void add(Function<Hooks, NDArray> scalar) {
        try (TapRecorder taps = new TapRecorder()) {
            Autograd.backward(() -> scalar.apply(Hooks.none().tap(taps)));
            Map<Long, NDArray> combinations = new HashMap<>();
            Scoped.run(() -> {
                for (TapRecorder.Use use : taps.uses()) {
                    accumulate(use, layout.blockFor(use), combinations);
                }
            });
        }
    }

    private void accumulate(TapRecorder.Use use, GradientSpace.Block b, Map<Long, NDArray> combinations) {
        NDArray g = use.outputGradient();
        switch (use.kind()) {
            case LINEAR -> {
                NDArray out = g.reshape(-1, b.out());
                NDArray in = use.input().reshape(-1, b.in());
                join(outSide, b, out.mul(norms(in)), combinations);
                join(inSide, b, in.mul(norms(out)), combinations);
            }
            case SCALE -> join(outSide, b, g.mul(use.input()).reshape(-1, b.out()), combinations);
            case LOOKUP -> {
                NDArray in = g.reshape(-1, b.in());
                NDArray rows = use.input().reshape(-1).oneHot(Math.toIntExact(b.out())).toType(in.getDataType(), false);
                join(outSide, b, rows.mul(norms(in)), combinations);
                join(inSide, b, in, combinations);
            }
        }
    }

    /** {@code [T, 1]}: each row's Euclidean norm. */
    private static NDArray norms(NDArray rows) {
        return rows.square().sum(new int[] {1}, true).sqrt();
    }

    /**
     * Adds Ω·vectors to the side's combinations, Ω ({@code [width, T]}, Gaussian) drawn once per pass
     * and row count; the vectors scaled to unit Frobenius norm, so that each pass has the same say
     * in a block whatever its gradients' size (a behaviour's and a feature's differ by orders).
     */
    private void join(Map<String, NDArray> side, GradientSpace.Block b, NDArray vectors, Map<Long, NDArray> combinations) {
        double energy = vectors.square().sum().toType(DataType.FLOAT64, false).getDouble();
        if (energy == 0) {
            return;
        }
        long rows = vectors.getShape().get(0);
        NDArray omega = combinations.computeIfAbsent(rows, t -> gaussian(vectors.getManager(), t, vectors.getDataType()));
        NDArray term = Tensors.times(omega.matMul(vectors), 1 / Math.sqrt(energy));
        NDArray sum = side.get(b.name());
        if (sum == null) {
            NDScope.unregister(term);
            term.attach(manager);
            side.put(b.name(), term);
        } else {
            sum.addi(term);
        }
    }

    private NDArray gaussian(NDManager in, long columns, DataType dtype) {
        float[] v = new float[Math.toIntExact(width * columns)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return Tensors.owned(in, v, new Shape(width, columns)).toType(dtype, false);
    }

    /**
     * Every weight in a Kronecker sketch of {@code k}, each side longer than k projected onto the
     * top k directions of its range (a side no pass reached projects to zero: its gradients are zero).
     */
    public GradientSpace space(int k) {
        if (k > width) {
            throw new IllegalArgumentException("a range of " + width + " combinations gives at most " + width + " directions, not " + k);
        }
        return GradientSpace.sketched(model, k, (m, block, isOut, length) -> basis((isOut ? outSide : inSide).get(block), k, length, m));
    }

    /** {@code [k, length]}: the top k right singular vectors of a side's combinations {@code [width, length]}, as rows. */
    private NDArray basis(NDArray combinations, int k, long length, NDManager m) {
        if (combinations == null) {
            return m.zeros(new Shape(k, length), model.dtype());
        }
        double[] y = combinations.toType(DataType.FLOAT64, false).toDoubleArray();
        int n = Math.toIntExact(length);
        DMatrixRMaj columns = new DMatrixRMaj(n, width);
        for (int i = 0; i < width; i++) {
            for (int j = 0; j < n; j++) {
                columns.set(j, i, y[i * n + j]);
            }
        }
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(n, width, true, false, true);
        if (!svd.decompose(columns)) {
            throw new IllegalStateException("the range's singular value decomposition failed");
        }
        DMatrixRMaj u = svd.getU(null, false);
        SingularOps_DDRM.descendingOrder(u, false, svd.getW(null), null, false);
        double[] rows = new double[k * n];
        for (int r = 0; r < k; r++) {
            for (int j = 0; j < n; j++) {
                rows[r * n + j] = u.get(j, r);
            }
        }
        return Tensors.owned(m, rows, new Shape(k, length)).toType(model.dtype(), false);
    }

    @Override
    public void close() {
        manager.close();
        layout.close();
    }
}
