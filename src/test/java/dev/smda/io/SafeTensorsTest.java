package dev.smda.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smda.model.LlamaConfig;
import dev.smda.model.LlamaModel;
import dev.smda.tensor.Torch;
import dev.smda.testing.Fixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    @TempDir
    Path dir;

    @Test
    void aMatrixIsWrittenRowMajorAndReadBackAsRows(@TempDir Path tmp) throws Exception {
        double[][] m = {{1.5, -2.0, 3.25}, {0.0, 4.0, -0.5}};
        Path f = tmp.resolve("m.safetensors");
        new SafeTensorsWriter().addMatrix("m", m).addMatrix("none", new double[0][], 3).addDoubles("v", new double[] {1, 2}, 2).write(f);
        try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
            assertArrayEquals(new long[] {2, 3}, st.shape("m"));
            assertArrayEquals(new double[] {1.5, -2.0, 3.25, 0.0, 4.0, -0.5}, st.doubles("m"));
            assertArrayEquals(m, st.matrix("m"));
            assertArrayEquals(new long[] {0, 3}, st.shape("none"), "a matrix of no rows keeps its width");
            String message = assertThrows(dev.smda.io.BadInputException.class, () -> st.matrix("v")).getMessage();
            assertTrue(message.contains("'v'") && message.contains("not a matrix"), message);
        }
    }

    @Test
    void roundTripsEveryTypeWithMetadata() throws Exception {
        Path file = dir.resolve("t.safetensors");
        try (NDManager m = Torch.newManager()) {
            NDArray f32 = m.create(new float[] {1.5f, -2f, 3.25f, 0f, 7f, -1e-3f}, new Shape(2, 3));
            new SafeTensorsWriter().metadata("format", "pt").add("f32", f32)
                    .addDoubles("f64", new double[] {Math.PI, -Math.E}, 2)
                    .addLongs("i64", new long[] {1L << 40, -3}, 2, 1)
                    .addInts("i32", new int[] {7, 8, 9}, 3)
                    .write(file);
            try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
                assertEquals("pt", st.metadata().get("format"));
                assertArrayEquals(new long[] {2, 3}, st.shape("f32"));
                try (NDArray back = st.load("f32", m, DataType.FLOAT32)) {
                    assertArrayEquals(f32.toFloatArray(), back.toFloatArray());
                }
                assertArrayEquals(new double[] {Math.PI, -Math.E}, st.doubles("f64"));
                assertArrayEquals(new long[] {1L << 40, -3}, st.longs("i64"));
                assertArrayEquals(new long[] {7, 8, 9}, st.longs("i32"));
            }
        }
        long headerLength = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + headerLength) % 8, "data starts 8-byte aligned");
        assertTrue(Files.list(dir).allMatch(p -> p.equals(file)), "no temporary file is left behind");
    }

    @Test
    void malformedFilesAreRejectedWithTheFileNamed() throws Exception {
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertTrue(assertThrows(BadInputException.class, () -> SafeTensorsFile.open(tiny)).getMessage().contains("tiny.safetensors"));

        Path badJson = dir.resolve("bad.safetensors");
        byte[] header = "{not json".getBytes(StandardCharsets.US_ASCII);
        Files.write(badJson, concat(le(header.length), header));
        assertTrue(assertThrows(BadInputException.class, () -> SafeTensorsFile.open(badJson)).getMessage().contains("not valid JSON"));

        Path truncated = dir.resolve("truncated.safetensors");
        byte[] h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}".getBytes(StandardCharsets.US_ASCII);
        Files.write(truncated, concat(le(h.length), h, new byte[8]));
        String message = assertThrows(BadInputException.class, () -> SafeTensorsFile.open(truncated)).getMessage();
        assertTrue(message.contains("truncated.safetensors") && message.contains("'w'"), message);
    }

    @Test
    void checkpointsWithAMissingOrMisshapenTensorAreRefusedNamingIt() throws Exception {
        Path source = Fixtures.path("llama/gqa-untied");
        LlamaConfig config = LlamaConfig.read(source.resolve("config.json"));
        try (SafeTensorsFile st = SafeTensorsFile.open(source.resolve("model.safetensors")); NDManager m = Torch.newManager()) {
            SafeTensorsWriter missing = new SafeTensorsWriter();
            SafeTensorsWriter misshapen = new SafeTensorsWriter();
            for (String name : st.names()) {
                byte[] bytes = st.segment(name).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                if (!name.equals("model.layers.1.mlp.up_proj.weight")) {
                    missing.put(name, st.dtype(name), st.shape(name), bytes);
                }
                long[] shape = name.equals("model.norm.weight") ? new long[] {2, st.shape(name)[0] / 2} : st.shape(name);
                misshapen.put(name, st.dtype(name), shape, bytes);
            }
            missing.write(dir.resolve("missing.safetensors"));
            misshapen.write(dir.resolve("misshapen.safetensors"));
            try (SafeTensorsFile a = SafeTensorsFile.open(dir.resolve("missing.safetensors")); SafeTensorsFile b = SafeTensorsFile.open(dir.resolve("misshapen.safetensors"))) {
                String m1 = assertThrows(BadInputException.class, () -> LlamaModel.load(config, a, m, DataType.FLOAT32)).getMessage();
                assertTrue(m1.contains("missing tensor 'model.layers.1.mlp.up_proj.weight'"), m1);
                String m2 = assertThrows(BadInputException.class, () -> LlamaModel.load(config, b, m, DataType.FLOAT32)).getMessage();
                assertTrue(m2.contains("'model.norm.weight' has shape [2, 16]"), m2);
            }
        }
    }

    @Test
    void shardIndexErrorsNameTheIndex() throws Exception {
        Path folder = dir.resolve("sharded");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve(ShardedSafeTensors.INDEX), "{\"weight_map\": {\"a\": \"model-00001.safetensors\"}}");
        String message = assertThrows(BadInputException.class, () -> ShardedSafeTensors.open(folder)).getMessage();
        assertTrue(message.contains(ShardedSafeTensors.INDEX) && message.contains("model-00001.safetensors is missing"), message);
    }

    private static byte[] le(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
