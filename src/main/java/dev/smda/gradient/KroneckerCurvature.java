package dev.smda.gradient;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smda.model.Hooks;
import dev.smda.model.LlamaModel;
import dev.smda.progress.Progress;
import dev.smda.tensor.Autograd;
import dev.smda.tensor.Scoped;
import dev.smda.tensor.Tensors;
import dev.smda.train.SftExample;
import dev.smda.train.SftLoss;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * EK-FAC curvature of an SFT loss over the linear modules, as kronfluence computes it: per module, the
 * covariance of its inputs A = E[a aᵀ] and of its output gradients S = E[g gᵀ] over tokens, with
 * the labels drawn from the model's own predictions (the true Fisher); their eigenvectors Q_A, Q_S;
 * and the eigenvalue correction Λ = E[(Q_Sᵀ G Q_A)²] over examples' gradients G (Kronecker-factored
 * eigenbasis, George et al. 2018). The inverse curvature times a gradient T is then
 * Q_S [(Q_Sᵀ T Q_A) / (Λ + λ)] Q_Aᵀ ({@link #inverseTimes}).
 */
public final class KroneckerCurvature implements AutoCloseable {

    private record Factors(NDArray qa, NDArray qs, NDArray lambda) {}

    private final GradientSpace space;
    private final Map<String, Factors> factors;
    private final NDManager manager;
    private final double meanEigenvalue;

    private KroneckerCurvature(GradientSpace space, Map<String, Factors> factors, NDManager manager, double meanEigenvalue) {
        this.space = space;
        this.factors = factors;
        this.manager = manager;
        this.meanEigenvalue = meanEigenvalue;
    }

    /**
     * Fits the curvature of {@code examples}' loss on the blocks of a {@link GradientSpace#linear}
     * space, with labels drawn from the model's predictions by {@code sampling} (the true Fisher, as
     * kronfluence does), or, when it is null, the examples' own tokens (the empirical Fisher).
     */
    public static KroneckerCurvature fit(LlamaModel model, List<SftExample> examples, GradientSpace space, int batch, Random sampling,
            Progress.Factory progress) {
        if (space.isSketched()) {
            throw new IllegalArgumentException("EK-FAC works on unsketched blocks");
        }
        NDManager manager = model.weight(LlamaModel.EMBED).getManager().newSubManager();
        Map<String, double[]> a = new HashMap<>();
        Map<String, double[]> s = new HashMap<>();
        Map<String, Long> tokens = new HashMap<>();
        int batches = (examples.size() + batch - 1) / batch;
        try (Progress bar = progress.start("EK-FAC", 2L * batches, "batches", 0)) {
            for (int start = 0, done = 0; start < examples.size(); start += batch) {
                List<SftExample> part = examples.subList(start, Math.min(examples.size(), start + batch));
                covariances(model, part, space, sampling, a, s, tokens);
                bar.stepTo(++done, "covariances");
            }
            Map<String, Factors> factors = new LinkedHashMap<>();
            double eigenSum = 0;
            long eigenCount = 0;
            for (GradientSpace.Block b : space.blocks()) {
                long count = Math.max(1, tokens.getOrDefault(b.name(), 1L));
                NDArray qa = eigenvectors(manager, a.get(b.name()), (int) b.in(), count, model.dtype());
                NDArray qs = eigenvectors(manager, s.get(b.name()), (int) b.out(), count, model.dtype());
                factors.put(b.name(), new Factors(qa, qs, manager.zeros(new Shape(b.out(), b.in()), model.dtype())));
            }
            KroneckerCurvature curvature = new KroneckerCurvature(space, factors, manager, Double.NaN);
            int done = batches;
            for (int start = 0; start < examples.size(); start += batch) {
                List<SftExample> part = examples.subList(start, Math.min(examples.size(), start + batch));
                int[] rows = SftLoss.ResponseRows.of(part).example();
                try (NDArray g = PerExampleGradients.of(space, part.size(), rows, hooks -> loss(model, part, hooks, sampling))) {
                    Scoped.run(() -> {
                        Map<String, NDArray> rotated = curvature.rotatedBlocks(g);
                        for (var e : rotated.entrySet()) {
                            factors.get(e.getKey()).lambda().addi(e.getValue().square().sum(new int[] {0}));
                        }
                    });
                }
                bar.stepTo(++done, "eigenvalue correction");
            }
            for (Factors f : factors.values()) {
                f.lambda().divi(Tensors.scalar(f.lambda(), examples.size()));
                eigenSum += f.lambda().sum().toType(DataType.FLOAT64, false).getDouble();
                eigenCount += f.lambda().size();
            }
            return new KroneckerCurvature(space, factors, manager, eigenSum / eigenCount);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Accumulates Σ a aᵀ and Σ g gᵀ over the batch's real tokens for every block, with sampled labels. */
    private static NDArray loss(LlamaModel model, List<SftExample> part, Hooks hooks, Random sampling) {
        return sampling == null ? SftLoss.perExample(model, part, hooks) : SftLoss.perExampleSampled(model, part, hooks, sampling);
    }

    private static void covariances(LlamaModel model, List<SftExample> part, GradientSpace space, Random sampling, Map<String, double[]> a,
            Map<String, double[]> s, Map<String, Long> tokens) {
        try (TapRecorder taps = new TapRecorder()) {
            Autograd.backward(() -> loss(model, part, Hooks.none().tap(taps), sampling).sum());
            int length = part.stream().mapToInt(e -> e.tokens().length).max().orElse(0);
            double[] mask = new double[part.size() * length];
            long real = 0;
            for (int b = 0; b < part.size(); b++) {
                for (int t = 0; t < part.get(b).tokens().length; t++) {
                    mask[b * length + t] = 1;
                    real++;
                }
            }
            for (TapRecorder.Use use : taps.uses()) {
                GradientSpace.Block b = space.blockFor(use);
                if (b == null) {
                    continue;
                }
                long count = real;
                Scoped.run(() -> {
                    NDArray in = use.input();
                    NDArray g = use.outputGradient();
                    if (in.getShape().dimension() == 3) {
                        NDArray m = Tensors.owned(in.getManager(), mask, new Shape(part.size(), length, 1)).toType(in.getDataType(), false);
                        in = in.mul(m).reshape(-1, b.in());
                        g = g.reshape(-1, b.out());
                    }
                    accumulate(a, b.name(), in.transpose().matMul(in));
                    accumulate(s, b.name(), g.transpose().matMul(g));
                    tokens.merge(b.name(), use.input().getShape().dimension() == 3 ? count : use.input().getShape().get(0), Long::sum);
                });
            }
        }
    }

    private static void accumulate(Map<String, double[]> into, String name, NDArray m) {
        double[] v = m.toType(DataType.FLOAT64, false).toDoubleArray();
        double[] sum = into.computeIfAbsent(name, k -> new double[v.length]);
        for (int i = 0; i < v.length; i++) {
            sum[i] += v[i];
        }
    }

    /** The eigenvectors (as columns) of a symmetric covariance given as its sum over {@code count} tokens. */
    private static NDArray eigenvectors(NDManager manager, double[] sum, int size, long count, DataType dtype) {
        DMatrixRMaj m = new DMatrixRMaj(size, size);
        for (int i = 0; i < sum.length; i++) {
            m.data[i] = sum[i] / count;
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(size, true, true);
        if (!eig.decompose(m)) {
            throw new IllegalStateException("eigendecomposition of a covariance factor failed");
        }
        double[] q = new double[size * size];
        for (int k = 0; k < size; k++) {
            DMatrixRMaj v = eig.getEigenVector(k);
            for (int i = 0; i < size; i++) {
                q[i * size + k] = v.get(i, 0);
            }
        }
        return Tensors.owned(manager, q, new Shape(size, size)).toType(dtype, false);
    }

    /** Rows of gradients {@code [B, D]} rotated into the eigenbasis, block by block: Q_Sᵀ G Q_A, {@code [B, out, in]} each. */
    private Map<String, NDArray> rotatedBlocks(NDArray rows) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (var e : space.unflatten(rows).entrySet()) {
            Factors f = factors.get(e.getKey());
            out.put(e.getKey(), f.qs().transpose().matMul(e.getValue()).matMul(f.qa()));
        }
        return out;
    }

    /**
     * Rows of gradients times the inverse of the damped curvature: Q_S [(Q_Sᵀ G Q_A) / (Λ + damping)] Q_Aᵀ per block,
     * each block kept apart until the end (joining the blocks into rows costs a copy of them all).
     */
    public NDArray inverseTimes(NDArray rows, double damping) {
        return Scoped.compute(() -> {
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (var e : rotatedBlocks(rows).entrySet()) {
                Factors f = factors.get(e.getKey());
                NDArray scaled = e.getValue().div(Tensors.plus(f.lambda(), damping));
                out.put(e.getKey(), f.qs().matMul(scaled).matMul(f.qa().transpose()));
            }
            return space.flattenBlocks(out, 1);
        });
    }

    /** The mean corrected eigenvalue (for kronfluence's heuristic damping, 0.1 times this). */
    public double meanEigenvalue() {
        return meanEigenvalue;
    }

    @Override
    public void close() {
        manager.close();
    }
}
