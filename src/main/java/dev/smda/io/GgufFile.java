package dev.smda.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.smda.tensor.DType;
import dev.smda.tensor.TensorInfo;
import dev.smda.tensor.TensorSource;
import dev.smda.tensor.Tensors;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A GGUF file (llama.cpp's format, versions 2 and 3), memory-mapped: the metadata key/value pairs,
 * and the tensors, under their GGUF names with shapes outermost first (GGUF lists dimensions
 * innermost first; a {@code [in, out]} GGUF matrix is an {@code [out, in]} array here).
 * Quantised tensors are dequantised to float32 when loaded.
 */
public final class GgufFile implements TensorSource {

    /** One tensor's entry: its type, shape (outermost first) and byte range in the data section. */
    public record Tensor(String name, GgmlType type, long[] shape, long offset, long bytes) {
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian int
    private static final long DEFAULT_ALIGNMENT = 32;

    private final Path path;
    private final Arena arena;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, Tensor> tensors;
    private final MemorySegment data;

    private GgufFile(Path path, Arena arena, int version, Map<String, Object> metadata, Map<String, Tensor> tensors, MemorySegment data) {
        this.path = path;
        this.arena = arena;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.data = data;
    }

    /** Whether {@code path} is a file that begins like a GGUF file. */
    public static boolean isGguf(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && ByteBuffer.wrap(magic).order(ByteOrder.LITTLE_ENDIAN).getInt() == MAGIC;
        }
    }

    public static GgufFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            Reader r = new Reader(path, file);
            r.context = "the header";
            if (file.byteSize() < 4 || r.u32() != MAGIC) {
                throw new BadInputException(path + ": not a GGUF file (it does not begin with 'GGUF')");
            }
            int version = (int) r.u32();
            if (version != 2 && version != 3) {
                throw new BadInputException(path + ": GGUF version " + version + " is not supported (versions 2 and 3 are)");
            }
            long tensorCount = r.count("the tensor count");
            long kvCount = r.count("the metadata count");
            Map<String, Object> metadata = new LinkedHashMap<>();
            for (long i = 0; i < kvCount; i++) {
                r.context = "metadata entry " + i;
                String key = r.string();
                r.context = "metadata '" + key + "'";
                metadata.put(key, r.value(r.u32()));
            }
            long alignment = metadata.get("general.alignment") instanceof Long a ? a : DEFAULT_ALIGNMENT;
            if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
                throw new BadInputException(path + ": metadata 'general.alignment' must be a power of two, not " + alignment);
            }
            List<Tensor> infos = new ArrayList<>();
            for (long i = 0; i < tensorCount; i++) {
                r.context = "tensor info " + i;
                String name = r.string();
                r.context = "tensor '" + name + "'";
                infos.add(r.tensor(name));
            }
            long dataStart = (r.position + alignment - 1) / alignment * alignment;
            if (dataStart > file.byteSize()) {
                throw new BadInputException(path + ": truncated: the tensor data would begin at byte " + dataStart + " of " + file.byteSize());
            }
            MemorySegment data = file.asSlice(dataStart);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Tensor t : infos) {
                if (t.offset % alignment != 0 || t.offset + t.bytes > data.byteSize()) {
                    throw new BadInputException(path + ": tensor '" + t.name + "': its data (" + t.bytes + " bytes at offset " + t.offset
                            + ") is misaligned or lies outside the file's " + data.byteSize() + " bytes of tensor data");
                }
                if (tensors.put(t.name, t) != null) {
                    throw new BadInputException(path + ": tensor '" + t.name + "' appears twice");
                }
            }
            return new GgufFile(path, arena, version, Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(tensors), data);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    /**
     * Metadata values as Java objects: integers as Long (unsigned 64-bit ones may read negative),
     * floats as Double, booleans as Boolean, strings as String, arrays as List.
     */
    public Map<String, Object> metadata() {
        return metadata;
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public String string(String key, String fallback) {
        return typed(key, fallback, String.class, "a string");
    }

    public long integer(String key, long fallback) {
        return typed(key, fallback, Long.class, "an integer");
    }

    public long requireInteger(String key) {
        if (!metadata.containsKey(key)) {
            throw new BadInputException(path + ": metadata '" + key + "' is missing");
        }
        return integer(key, 0);
    }

    public double number(String key, double fallback) {
        return metadata.get(key) instanceof Long l ? l : typed(key, fallback, Double.class, "a number");
    }

    public boolean bool(String key, boolean fallback) {
        return typed(key, fallback, Boolean.class, "a boolean");
    }

    private <T> T typed(String key, T fallback, Class<T> type, String expected) {
        Object v = metadata.get(key);
        if (v == null) {
            return fallback;
        }
        if (type.isInstance(v)) {
            return type.cast(v);
        }
        throw wrongType(key, expected, v);
    }

    /** An array of the given element type, or null if the key is absent. */
    public <T> List<T> array(String key, Class<T> element) {
        Object v = metadata.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof List<?> list)) {
            throw wrongType(key, "an array", v);
        }
        for (int i = 0; i < list.size(); i++) {
            if (!element.isInstance(list.get(i))) {
                throw new BadInputException(path + ": metadata '" + key + "'[" + i + "] is not " + element.getSimpleName().toLowerCase());
            }
        }
        @SuppressWarnings("unchecked")
        List<T> typed = (List<T>) list;
        return typed;
    }

    private BadInputException wrongType(String key, String expected, Object actual) {
        return new BadInputException(path + ": metadata '" + key + "' must be " + expected + ", not " + describeValue(actual));
    }

    private static String describeValue(Object v) {
        return v instanceof List<?> l ? "an array of " + l.size() : v.getClass().getSimpleName().toLowerCase() + " " + v;
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new BadInputException(path + ": no tensor named '" + name + "'");
        }
        return t;
    }

    private Tensor readable(String name) {
        Tensor t = tensor(name);
        if (!t.type.readable()) {
            throw new BadInputException(path + ": tensor '" + name + "' is " + t.type + "; smda reads F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1,"
                    + " Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL and IQ4_XS tensors (convert the model with llama.cpp's llama-quantize to one of them,"
                    + " or use its Hugging Face folder)");
        }
        return t;
    }

    /** Bytes of tensor data, as stored. */
    public long storedBytes() {
        return tensors.values().stream().mapToLong(Tensor::bytes).sum();
    }

    @Override
    public String describe() {
        return path.toString();
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public TensorInfo info(String name) {
        Tensor t = tensors.get(name);
        return t == null ? null : new TensorInfo(name, t.type.name(), t.shape.clone());
    }

    @Override
    public NDArray load(String name, NDManager manager, DataType target) {
        Tensor t = readable(name);
        MemorySegment stored = data.asSlice(t.offset, t.bytes);
        DType direct = switch (t.type) {
            case F32 -> DType.F32;
            case F16 -> DType.F16;
            case BF16 -> DType.BF16;
            default -> null;
        };
        if (direct != null) {
            return Tensors.fromSegment(manager, stored, direct, t.shape, target);
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment floats = scratch.allocate(t.elements() * 4, 16);
            t.type.dequantize(stored, floats, t.elements());
            return Tensors.fromSegment(manager, floats, DType.F32, t.shape, target);
        }
    }

    /** A (small) tensor's values as floats, dequantised. */
    public float[] floats(String name) {
        Tensor t = readable(name);
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment floats = scratch.allocate(t.elements() * 4, 16);
            t.type.dequantize(data.asSlice(t.offset, t.bytes), floats, t.elements());
            return floats.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    @Override
    public void close() {
        arena.close();
    }

    /** Reads the header, naming the field it is in when the file ends early or says something impossible. */
    private static final class Reader {
        private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        /** Far beyond any real vocabulary or string: a larger count means a corrupt file, not a big one. */
        private static final long MAX_COUNT = 1L << 28;

        private final Path path;
        private final MemorySegment file;
        long position;
        String context;

        Reader(Path path, MemorySegment file) {
            this.path = path;
            this.file = file;
        }

        private void need(long bytes) {
            if (position + bytes > file.byteSize()) {
                throw new BadInputException(path + ": truncated in " + context + " (needs " + bytes + " bytes at " + position + " of " + file.byteSize() + ")");
            }
        }

        long u32() {
            need(4);
            long v = file.get(U32, position) & 0xffffffffL;
            position += 4;
            return v;
        }

        long u64() {
            need(8);
            long v = file.get(U64, position);
            position += 8;
            return v;
        }

        long count(String what) {
            long n = u64();
            if (n < 0 || n > MAX_COUNT) {
                throw new BadInputException(path + ": " + what + " in " + context + " is " + Long.toUnsignedString(n) + ": not a plausible GGUF file");
            }
            return n;
        }

        String string() {
            long n = count("a string length");
            need(n);
            byte[] bytes = file.asSlice(position, n).toArray(ValueLayout.JAVA_BYTE);
            position += n;
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                // Some vocabularies hold tokens that are not valid UTF-8 on their own; keep them readable.
                return new String(bytes, StandardCharsets.UTF_8);
            }
        }

        Object value(long type) {
            return switch ((int) type) {
                case 0 -> (long) (file.get(ValueLayout.JAVA_BYTE, advance(1)) & 0xff);
                case 1 -> (long) file.get(ValueLayout.JAVA_BYTE, advance(1));
                case 2 -> (long) (file.get(U16, advance(2)) & 0xffff);
                case 3 -> (long) file.get(U16, advance(2));
                case 4 -> u32();
                case 5 -> (long) file.get(U32, advance(4));
                case 6 -> (double) file.get(F32, advance(4));
                case 7 -> file.get(ValueLayout.JAVA_BYTE, advance(1)) != 0;
                case 8 -> string();
                case 9 -> {
                    long elementType = u32();
                    long n = count("an array length");
                    List<Object> list = new ArrayList<>((int) Math.min(n, 1 << 20));
                    for (long i = 0; i < n; i++) {
                        list.add(value(elementType));
                    }
                    yield Collections.unmodifiableList(list);
                }
                case 10, 11 -> u64();
                case 12 -> file.get(F64, advance(8));
                default -> throw new BadInputException(path + ": " + context + " has value type " + type + ", which GGUF does not define");
            };
        }

        private long advance(long bytes) {
            need(bytes);
            long at = position;
            position += bytes;
            return at;
        }

        Tensor tensor(String name) {
            long dims = u32();
            if (dims < 1 || dims > 4) {
                throw new BadInputException(path + ": " + context + " has " + dims + " dimensions (GGUF allows 1 to 4)");
            }
            long[] shape = new long[(int) dims];
            long elements = 1;
            for (int i = 0; i < dims; i++) {
                long d = u64();
                if (d <= 0 || d > 1L << 40) {
                    throw new BadInputException(path + ": " + context + " has dimension " + Long.toUnsignedString(d));
                }
                shape[(int) dims - 1 - i] = d; // GGUF lists the innermost dimension first
                elements *= d;
            }
            long typeId = u32();
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw new BadInputException(path + ": " + context + " has ggml type " + typeId + ", which smda does not know");
            }
            if (shape[shape.length - 1] % type.blockElements() != 0) {
                throw new BadInputException(path + ": " + context + " is " + type + " but its rows (" + shape[shape.length - 1]
                        + " values) do not fill whole blocks of " + type.blockElements());
            }
            long offset = u64();
            return new Tensor(name, type, shape, offset, type.bytes(elements));
        }
    }
}
