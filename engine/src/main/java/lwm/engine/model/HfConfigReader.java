package lwm.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import lwm.engine.weights.Json;

/** Reads a Hugging Face LLaMA {@code config.json}; every value the math depends on must be present. */
final class HfConfigReader {
    private static final long MAX_CONFIG_BYTES = 1 << 20;

    private HfConfigReader() {}

    static JsonNode readJson(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException(file + ": file not found");
        }
        if (Files.size(file) > MAX_CONFIG_BYTES) {
            throw new InvalidModelException(file + ": " + Files.size(file) + " bytes is too large for a model config");
        }
        return Json.readObject(file, "the file", Files.readAllBytes(file));
    }

    static LlamaConfig read(Path file) throws IOException {
        JsonNode json = readJson(file);
        int heads = requiredInt(json, "num_attention_heads", file);
        int hidden = requiredInt(json, "hidden_size", file);
        if (json.hasNonNull("num_key_value_heads") && json.get("num_key_value_heads").asInt() != heads) {
            throw new InvalidModelException(file + ": num_key_value_heads " + json.get("num_key_value_heads").asInt()
                    + " differs from num_attention_heads " + heads + " (grouped-query attention is not LWM's architecture)");
        }
        if (json.hasNonNull("head_dim") && json.get("head_dim").asInt() * heads != hidden) {
            throw new InvalidModelException(file + ": head_dim " + json.get("head_dim").asInt() + " × " + heads
                    + " heads differs from hidden_size " + hidden);
        }
        checkPlainRope(json, file);
        try {
            return new LlamaConfig(
                    hidden,
                    requiredInt(json, "intermediate_size", file),
                    requiredInt(json, "num_hidden_layers", file),
                    heads,
                    requiredInt(json, "vocab_size", file),
                    0,
                    ropeTheta(json, file),
                    (float) requiredNumber(json, "rms_norm_eps", file),
                    requiredInt(json, "max_position_embeddings", file));
        } catch (IllegalArgumentException e) {
            throw new InvalidModelException(file + ": " + e.getMessage());
        }
    }

    /** transformers ≥ 5 writes rope_parameters.rope_theta; older versions a top-level rope_theta. */
    private static double ropeTheta(JsonNode json, Path file) throws InvalidModelException {
        JsonNode parameters = json.get("rope_parameters");
        if (parameters != null && parameters.hasNonNull("rope_theta")) {
            return requiredNumber(parameters, "rope_theta", file);
        }
        return requiredNumber(json, "rope_theta", file);
    }

    private static void checkPlainRope(JsonNode json, Path file) throws InvalidModelException {
        JsonNode scaling = json.get("rope_scaling");
        JsonNode parameters = json.get("rope_parameters");
        String type = parameters != null && parameters.hasNonNull("rope_type") ? parameters.get("rope_type").asText()
                : scaling != null && !scaling.isNull() ? scaling.path("rope_type").asText(scaling.path("type").asText("?"))
                : "default";
        if (!type.equals("default")) {
            throw new InvalidModelException(file + ": rope scaling '" + type + "' is not used by LWM and not supported");
        }
    }

    static int requiredInt(JsonNode json, String field, Path file) throws InvalidModelException {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            throw new InvalidModelException(file + ": required field '" + field + "' is missing");
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new InvalidModelException(file + ": field '" + field + "' must be an integer, got " + node);
        }
        return node.asInt();
    }

    static double requiredNumber(JsonNode json, String field, Path file) throws InvalidModelException {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            throw new InvalidModelException(file + ": required field '" + field + "' is missing");
        }
        if (!node.isNumber()) {
            throw new InvalidModelException(file + ": field '" + field + "' must be a number, got " + node);
        }
        return node.asDouble();
    }
}
