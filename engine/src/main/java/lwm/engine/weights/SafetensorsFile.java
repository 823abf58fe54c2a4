package lwm.engine.weights;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * One {@code .safetensors} file: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}}} with offsets relative to the data section that follows,
 * then raw little-endian tensor data. Everything in the header is validated against the file before any mapping.
 */
public final class SafetensorsFile extends MappedCheckpoint {
    /** The safetensors specification's own header limit. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final String METADATA = "__metadata__";

    private SafetensorsFile(Path file, FileChannel channel, List<TensorLocation> locations, long windowSize)
            throws IOException {
        super(file, channel, locations, windowSize);
    }

    public static SafetensorsFile open(Path file) throws IOException {
        return open(file, MappedWindows.MAX_WINDOW);
    }

    /** With a smaller mapping window, so that tests can cross window boundaries without 2 GiB files. */
    static SafetensorsFile open(Path file, long windowSize) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return new SafetensorsFile(file, channel, readHeader(file, channel), windowSize);
        }
    }

    private static List<TensorLocation> readHeader(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < 8) {
            throw CheckpointException.in(file, "truncated: " + size
                    + " bytes is shorter than the 8-byte header length");
        }
        long headerLength = FileReads.read(file, channel, 0, 8).getLong();
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw CheckpointException.in(file, "header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (headerLength > size - 8) {
            throw CheckpointException.in(file, "header length " + headerLength
                    + " extends beyond the end of the file (" + size + " bytes; truncated?)");
        }
        byte[] json = FileReads.read(file, channel, 8, (int) headerLength).array();
        JsonNode header = Json.readObject(file, "header", json);
        long dataStart = 8 + headerLength;
        long dataSize = size - dataStart;
        List<TensorLocation> locations = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : header.properties()) {
            if (!field.getKey().equals(METADATA)) {
                locations.add(locate(file, field.getKey(), field.getValue(), dataStart, dataSize));
            }
        }
        checkNoOverlap(file, locations, dataStart);
        return locations;
    }

    private static TensorLocation locate(Path file, String name, JsonNode entry, long dataStart, long dataSize)
            throws CheckpointException {
        if (!entry.isObject()) {
            throw CheckpointException.inTensor(file, name, "header entry is not an object");
        }
        JsonNode dtypeNode = entry.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw CheckpointException.inTensor(file, name, "missing dtype");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensors(dtypeNode.textValue());
        } catch (CheckpointException e) {
            throw CheckpointException.inTensor(file, name, e.getMessage());
        }
        long[] shape = longs(file, name, entry.get("shape"), "shape", -1);
        long[] offsets = longs(file, name, entry.get("data_offsets"), "data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw CheckpointException.inTensor(file, name, "data offsets [" + begin + ", " + end + "] are reversed");
        }
        if (end > dataSize) {
            throw CheckpointException.inTensor(file, name, "data offsets [" + begin + ", " + end
                    + "] extend beyond the data section of " + dataSize + " bytes (truncated file?)");
        }
        long bytes = Shapes.byteSize(dtype, Shapes.elementCount(shape));
        if (bytes < 0) {
            throw CheckpointException.inTensor(file, name, "shape " + Shapes.format(shape) + " is too large");
        }
        if (bytes != end - begin) {
            throw CheckpointException.inTensor(file, name, "byte size " + (end - begin) + " from data offsets ["
                    + begin + ", " + end + "] disagrees with " + dtype + " " + Shapes.format(shape) + " = "
                    + bytes + " bytes");
        }
        return new TensorLocation(name, dtype, shape, dataStart + begin, bytes);
    }

    /** A JSON array of non-negative integers; {@code expectedLength} -1 means any length up to the rank limit. */
    private static long[] longs(Path file, String name, JsonNode node, String key, int expectedLength)
            throws CheckpointException {
        if (node == null || !node.isArray()) {
            throw CheckpointException.inTensor(file, name, key + " is missing or not an array");
        }
        int length = node.size();
        if (expectedLength >= 0 ? length != expectedLength : length > Shapes.MAX_RANK) {
            throw CheckpointException.inTensor(file, name, key + " has " + length + " entries");
        }
        long[] values = new long[length];
        for (int i = 0; i < length; i++) {
            values[i] = Json.nonNegativeLong(node.get(i));
            if (values[i] < 0) {
                throw CheckpointException.inTensor(file, name, key + " holds " + node.get(i)
                        + ", not a non-negative integer");
            }
        }
        return values;
    }

    private static void checkNoOverlap(Path file, List<TensorLocation> locations, long dataStart)
            throws CheckpointException {
        List<TensorLocation> sorted = new ArrayList<>(locations);
        sorted.sort(Comparator.comparingLong(TensorLocation::offset).thenComparingLong(TensorLocation::end));
        TensorLocation furthest = null;
        for (TensorLocation tensor : sorted) {
            if (furthest != null && tensor.offset() < furthest.end() && tensor.length() > 0) {
                throw CheckpointException.in(file, "tensors '" + furthest.name() + "' [" + (furthest.offset()
                        - dataStart) + ", " + (furthest.end() - dataStart) + "] and '" + tensor.name() + "' ["
                        + (tensor.offset() - dataStart) + ", " + (tensor.end() - dataStart) + "] overlap");
            }
            if (furthest == null || tensor.end() > furthest.end()) {
                furthest = tensor;
            }
        }
    }
}
