package dev.smda.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.smda.tensor.DType;
import dev.smda.tensor.TensorInfo;
import dev.smda.tensor.TensorSource;
import dev.smda.tensor.Tensors;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header, then the
 * raw tensor bytes. Nothing is read into the Java heap until a tensor is asked for.
 */
public final class SafeTensorsFile implements TensorSource {

    private static final long MAX_HEADER = 100L << 20;

    private record Entry(DType dtype, long[] shape, long begin, long end) {}

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafeTensorsFile(Path path, Arena arena, MemorySegment data, Map<String, Entry> entries, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.entries = entries;
        this.metadata = metadata;
    }

    public static SafeTensorsFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new BadInputException(path + ": not a safetensors file (only " + size + " bytes)");
            }
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLength = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLength <= 0 || headerLength > MAX_HEADER || headerLength > size - 8) {
                throw new BadInputException(path + ": not a safetensors file (header length " + headerLength + " in a file of " + size + " bytes)");
            }
            byte[] headerBytes = file.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
            JsonNode header;
            try {
                header = Json.MAPPER.readTree(new String(headerBytes, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new BadInputException(path + ": safetensors header is not valid JSON", e);
            }
            MemorySegment data = file.asSlice(8 + headerLength);
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (field.getKey().equals("__metadata__")) {
                    field.getValue().properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                entries.put(field.getKey(), parseEntry(path, field.getKey(), field.getValue(), data.byteSize()));
            }
            return new SafeTensorsFile(path, arena, data, entries, metadata);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Entry parseEntry(Path path, String name, JsonNode node, long dataSize) {
        String where = path + ": tensor '" + name + "'";
        DType dtype = DType.parse(node.path("dtype").asText());
        if (dtype == null) {
            throw new BadInputException(where + ": unsupported dtype '" + node.path("dtype").asText() + "'");
        }
        JsonNode shapeNode = node.path("shape");
        JsonNode offsets = node.path("data_offsets");
        if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
            throw new BadInputException(where + ": header entry needs 'shape' and two 'data_offsets'");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
            elements *= shape[i];
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > dataSize) {
            throw new BadInputException(where + ": data_offsets [" + begin + ", " + end + "] outside the data (" + dataSize + " bytes)");
        }
        if (end - begin != elements * dtype.bytes()) {
            throw new BadInputException(where + ": " + (end - begin) + " bytes do not hold " + elements + " " + dtype + " values");
        }
        return new Entry(dtype, shape, begin, end);
    }

    public Path path() {
        return path;
    }

    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    @Override
    public String describe() {
        return path.toString();
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    @Override
    public TensorInfo info(String name) {
        Entry e = entries.get(name);
        return e == null ? null : new TensorInfo(name, e.dtype.name(), e.shape.clone());
    }

    public DType dtype(String name) {
        return entry(name).dtype;
    }

    /** The stored bytes of one tensor, valid until this file is closed. */
    public MemorySegment segment(String name) {
        Entry e = entry(name);
        return data.asSlice(e.begin, e.end - e.begin);
    }

    @Override
    public NDArray load(String name, NDManager manager, DataType target) {
        Entry e = entry(name);
        return Tensors.fromSegment(manager, segment(name), e.dtype, e.shape, target);
    }

    /** A floating-point tensor's values as doubles, flattened. */
    public double[] doubles(String name) {
        return Tensors.toDoubles(segment(name), entry(name).dtype);
    }

    /** A two-dimensional floating-point tensor's rows, as doubles. */
    public double[][] matrix(String name) {
        long[] shape = entry(name).shape;
        if (shape.length != 2) {
            throw new BadInputException(path + ": tensor '" + name + "' has shape " + java.util.Arrays.toString(shape) + ", not a matrix's");
        }
        double[] flat = doubles(name);
        double[][] out = new double[(int) shape[0]][(int) shape[1]];
        for (int i = 0; i < out.length; i++) {
            System.arraycopy(flat, i * out[i].length, out[i], 0, out[i].length);
        }
        return out;
    }

    /** An integer tensor's values as longs, flattened. */
    public long[] longs(String name) {
        return Tensors.toLongs(segment(name), entry(name).dtype);
    }

    public long[] shape(String name) {
        return entry(name).shape.clone();
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new BadInputException(path + ": no tensor named '" + name + "'");
        }
        return e;
    }

    @Override
    public void close() {
        arena.close();
    }
}
