package dev.smda.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smda.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every quantised type smda reads, dequantised exactly as llama.cpp's ggml does: the fixture was
 * quantised and dequantised by ggml's own library (scripts/reference/ggml_quants_reference.py), and
 * smda's floats must equal ggml's bit for bit.
 */
class GgmlQuantsTest {

    @ParameterizedTest
    @CsvSource({"Q4_0, 0.09", "Q4_1, 0.09", "Q5_0, 0.05", "Q5_1, 0.05", "Q8_0, 0.012", "Q2_K, 0.3", "Q3_K, 0.16", "Q4_K, 0.08",
            "Q5_K, 0.04", "Q6_K, 0.02", "IQ4_NL, 0.08", "IQ4_XS, 0.08"})
    void dequantisesBitForBitAsGgml(String type, double quantisationError) throws Exception {
        try (GgufFile file = GgufFile.open(Fixtures.path("gguf/quants.gguf"));
                SafeTensorsFile reference = SafeTensorsFile.open(Fixtures.path("gguf/reference.quants.safetensors"))) {
            assertEquals(GgmlType.valueOf(type), file.tensor(type).type());
            double[] expected = reference.doubles(type); // float32 values, exactly
            float[] floats = file.floats(type);
            double[] actual = new double[floats.length];
            for (int i = 0; i < floats.length; i++) {
                actual[i] = floats[i];
            }
            assertArrayEquals(expected, actual, 0.0, type + " as ggml dequantises it");
            // And the fixture means something: ggml's values are the input to within the type's precision, row by row.
            double[] input = reference.doubles("input");
            int row = 512;
            for (int r = 0; r < input.length / row; r++) {
                double error = 0;
                double norm = 0;
                for (int i = r * row; i < (r + 1) * row; i++) {
                    error += (actual[i] - input[i]) * (actual[i] - input[i]);
                    norm += input[i] * input[i];
                }
                double relative = Math.sqrt(error / norm);
                assertTrue(relative < quantisationError, type + " row " + r + ": relative error " + relative);
            }
        }
    }
}
