package lwm.app.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import lwm.engine.generate.GenerationStats;

/**
 * An answer's figures, kept with it in the store as JSON: where it ran, time to first token, prefill and decode
 * rates, and how many prompt tokens a backend session reused instead of prefilling.
 */
public record TurnStats(String route, int promptTokens, int cachedTokens, int generatedTokens, double firstTokenMs,
                        double prefillTokensPerSecond, double decodeTokensPerSecond) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static TurnStats of(String route, GenerationStats s, int cachedTokens) {
        return new TurnStats(route, s.promptTokens(), cachedTokens, s.generatedTokens(),
                s.timeToFirstToken().toNanos() / 1e6, s.prefillTokensPerSecond(), s.decodeTokensPerSecond());
    }

    public String toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("route", route);
        node.put("prompt_tokens", promptTokens);
        node.put("cached_tokens", cachedTokens);
        node.put("generated_tokens", generatedTokens);
        node.put("time_to_first_token_ms", firstTokenMs);
        node.put("prefill_tokens_per_s", prefillTokensPerSecond);
        node.put("decode_tokens_per_s", decodeTokensPerSecond);
        return node.toString();
    }

    /** The stats stored with an answer, or null when there are none or they cannot be read. */
    public static TurnStats fromJson(String json) {
        if (json == null || json.isBlank()) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(json);
            return new TurnStats(n.path("route").asText(""), n.path("prompt_tokens").asInt(),
                    n.path("cached_tokens").asInt(), n.path("generated_tokens").asInt(),
                    n.path("time_to_first_token_ms").asDouble(), n.path("prefill_tokens_per_s").asDouble(),
                    n.path("decode_tokens_per_s").asDouble());
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
