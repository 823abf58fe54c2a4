package lwm.engine.weights;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.Path;

/** Strict JSON for checkpoint headers and indexes: duplicate keys (a tensor listed twice) are errors. */
final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {
    }

    /** Parses a JSON object; {@code what} says which part of {@code file} it is, for messages. */
    static JsonNode readObject(Path file, String what, byte[] bytes) throws CheckpointException {
        JsonNode root;
        try {
            root = MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            throw CheckpointException.in(file, what + " is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new CheckpointException(file + ": cannot parse " + what, e);
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
