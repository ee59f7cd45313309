package dev.smda.io;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smda.tensor.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Collects named tensors and writes them as one safetensors file, atomically. A tensor's bytes may
 * be given or produced when the file is written ({@link #stream}), so a file larger than memory is
 * written one tensor at a time.
 */
public final class SafeTensorsWriter {

    private record Pending(DType dtype, long[] shape, long length, Supplier<byte[]> bytes) {}

    private final Map<String, Pending> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafeTensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds an array in its own element type. */
    public SafeTensorsWriter add(String name, NDArray array) {
        return put(name, DType.of(array.getDataType()), array.getShape().getShape(), array.toByteArray());
    }

    public SafeTensorsWriter addFloats(String name, float[] values, long... shape) {
        return put(name, DType.F32, shape, DType.F32.encode(values));
    }

    public SafeTensorsWriter addDoubles(String name, double[] values, long... shape) {
        ByteBuffer b = buffer(values.length * 8L);
        b.asDoubleBuffer().put(values);
        return put(name, DType.F64, shape, b.array());
    }

    /** Adds {@code rows} as a row-major F64 matrix, as wide as its first row. */
    public SafeTensorsWriter addMatrix(String name, double[][] rows) {
        return addMatrix(name, rows, rows.length == 0 ? 0 : rows[0].length);
    }

    /** Adds {@code rows} as a row-major [rows, cols] F64 tensor ({@code cols} given, so that a matrix of no rows keeps its width). */
    public SafeTensorsWriter addMatrix(String name, double[][] rows, int cols) {
        double[] flat = new double[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * cols, cols);
        }
        return addDoubles(name, flat, rows.length, cols);
    }

    public SafeTensorsWriter addLongs(String name, long[] values, long... shape) {
        ByteBuffer b = buffer(values.length * 8L);
        b.asLongBuffer().put(values);
        return put(name, DType.I64, shape, b.array());
    }

    public SafeTensorsWriter addInts(String name, int[] values, long... shape) {
        ByteBuffer b = buffer(values.length * 4L);
        b.asIntBuffer().put(values);
        return put(name, DType.I32, shape, b.array());
    }

    /** Adds raw little-endian bytes of the given type. */
    public SafeTensorsWriter put(String name, DType dtype, long[] shape, byte[] bytes) {
        checkLength(name, dtype, elements(shape) * dtype.bytes(), bytes);
        return stream(name, dtype, shape, () -> bytes);
    }

    /** Adds a tensor whose raw little-endian bytes {@code bytes} produces while the file is written (tensors are produced in the order added). */
    public SafeTensorsWriter stream(String name, DType dtype, long[] shape, Supplier<byte[]> bytes) {
        if (tensors.putIfAbsent(name, new Pending(dtype, shape.clone(), elements(shape) * dtype.bytes(), bytes)) != null) {
            throw new IllegalArgumentException("tensor '" + name + "' added twice");
        }
        return this;
    }

    private static long elements(long[] shape) {
        long elements = 1;
        for (long d : shape) {
            elements *= d;
        }
        return elements;
    }

    private static void checkLength(String name, DType dtype, long expected, byte[] bytes) {
        if (bytes.length != expected) {
            throw new IllegalArgumentException(name + ": " + bytes.length + " bytes for " + expected / dtype.bytes() + " " + dtype + " values");
        }
    }

    private static ByteBuffer buffer(long bytes) {
        return ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
    }

    public void write(Path file) throws IOException {
        ObjectNode header = Json.object();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (var e : tensors.entrySet()) {
            Pending p = e.getValue();
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", p.dtype.name());
            var shape = t.putArray("shape");
            for (long d : p.shape) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + p.length);
            offset += p.length;
        }
        byte[] json = Json.compact(header).getBytes(StandardCharsets.UTF_8);
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        java.util.Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        AtomicFiles.write(file, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(headerBytes);
            for (var e : tensors.entrySet()) {
                Pending p = e.getValue();
                byte[] bytes = p.bytes.get();
                checkLength(e.getKey(), p.dtype, p.length, bytes);
                out.write(bytes);
            }
        });
    }
}
