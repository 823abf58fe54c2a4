package lwm.engine.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes safetensors files the way the reference implementation does, or with a hand-made header. */
final class SafetensorsWriter {
    record Entry(String name, String dtype, long[] shape, byte[] data) {
    }

    private SafetensorsWriter() {
    }

    /** Tensors packed back to back in list order, header padded with spaces to a multiple of 8. */
    static Path write(Path file, List<Entry> entries) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode header = mapper.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Entry e : entries) {
            ObjectNode node = header.putObject(e.name());
            node.put("dtype", e.dtype());
            ArrayNode shape = node.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            node.putArray("data_offsets").add(data.size()).add(data.size() + e.data().length);
            data.write(e.data());
        }
        return writeRaw(file, mapper.writeValueAsString(header), data.toByteArray());
    }

    /** Any header text, padded to a multiple of 8, followed by {@code data}. */
    static Path writeRaw(Path file, String header, byte[] data) throws IOException {
        StringBuilder padded = new StringBuilder(header);
        while (padded.length() % 8 != 0) {
            padded.append(' ');
        }
        byte[] json = padded.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(data);
        Files.write(file, out.array());
        return file;
    }
}
