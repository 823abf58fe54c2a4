package lwm.engine.weights;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Strict JSON for checkpoint headers, indexes and model configs: UTF-8 only (no guessing of UTF-16 or UTF-32 from
 * damaged leading bytes), and duplicate keys (a tensor or a size listed twice) are errors.
 */
public final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {
    }

    /** Parses a JSON object; {@code what} says which part of {@code file} it is, for messages. */
    public static JsonNode readObject(Path file, String what, byte[] bytes) throws CheckpointException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw CheckpointException.in(file, what + " is not UTF-8 text");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JacksonException e) {
            throw CheckpointException.in(file, what + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw CheckpointException.in(file, what + " is not a JSON object");
        }
        return root;
    }

    /** The value as a non-negative long, or -1 if it is anything else (float, negative, too big, not a number). */
    static long nonNegativeLong(JsonNode node) {
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong() || node.asLong() < 0) {
            return -1;
        }
        return node.asLong();
    }
}
