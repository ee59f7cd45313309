package dev.smda.gradient;

import static dev.smda.testing.NumericAssertions.assertRelativelyClose;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.smda.io.SafeTensorsFile;
import dev.smda.io.ShardedSafeTensors;
import dev.smda.model.LlamaConfig;
import dev.smda.model.LlamaModel;
import dev.smda.progress.Progress;
import dev.smda.tensor.Torch;
import dev.smda.testing.Fixtures;
import dev.smda.train.SftExample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * EK-FAC influence scores against an independent PyTorch implementation of kronfluence's algorithm
 * ({@code scripts/reference/influence_reference.py}: every sequence run alone, modules' inputs and
 * output gradients captured by retained gradients, eigendecompositions by torch.linalg.eigh), on the
 * tied reference model with the empirical Fisher, in double precision.
 */
class EkfacReferenceTest {

    @Test
    void influenceScoresMatchTheIndependentReference() throws Exception {
        Path folder = Fixtures.path("llama/mqa-tied");
        try (NDManager m = Torch.newManager(); ShardedSafeTensors w = ShardedSafeTensors.open(folder);
                LlamaModel model = LlamaModel.load(LlamaConfig.read(folder.resolve("config.json")), w, m.newSubManager(), DataType.FLOAT64);
                SafeTensorsFile ref = SafeTensorsFile.open(Fixtures.path("influence/ekfac.safetensors"));
                GradientSpace space = GradientSpace.linear(model)) {
            List<SftExample> train = examples(ref, "train");
            List<SftExample> queries = examples(ref, "query");
            double damping = Double.parseDouble(ref.metadata().get("damping"));
            double[] expected = ref.doubles("scores");
            try (KroneckerCurvature curvature = KroneckerCurvature.fit(model, train, space, 5, null, Progress.SILENT);
                    NDArray trainGradients = PerExampleGradients.of(model, train, space);
                    NDArray queryGradients = PerExampleGradients.of(model, queries, space)) {
                double[] actual = curvature.inverseTimes(queryGradients, damping).matMul(trainGradients.transpose()).toDoubleArray();
                for (int q = 0; q < queries.size(); q++) {
                    int n = train.size();
                    assertRelativelyClose(java.util.Arrays.copyOfRange(expected, q * n, (q + 1) * n), java.util.Arrays.copyOfRange(actual, q * n, (q + 1) * n),
                            1e-8, "query " + q);
                }
            }
        }
    }

    private static List<SftExample> examples(SafeTensorsFile ref, String prefix) {
        List<SftExample> out = new ArrayList<>();
        for (int i = 0; ref.names().contains(prefix + "." + i); i++) {
            int[] tokens = java.util.Arrays.stream(ref.longs(prefix + "." + i)).mapToInt(v -> (int) v).toArray();
            out.add(new SftExample(tokens, (int) ref.longs(prefix + "_prompt." + i)[0]));
        }
        return out;
    }
}
