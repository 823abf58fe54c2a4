package lwm.engine.remote;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code GET /v1/models} says about the backend's model.
 *
 * @param visionVocabSize 0 for a text model
 * @param mesh axis name to size, e.g. {dp=1, fsdp=1, tp=1, sp=8}
 * @param vqgan whether the backend can encode uploaded frames itself
 * @param vqganSha256 the sha256 of the backend's VQGAN weights file, null without one: codes from a VQGAN with the same
 *     hash are interchangeable with local ones
 */
public record BackendInfo(String modelId, int maxContext, int vocabSize, int visionVocabSize, int devices,
        Map<String, Integer> mesh, long kvBytesPerToken, List<String> modalities, boolean vqgan, String vqganSha256, boolean progress) {

    static BackendInfo parse(JsonNode models, String endpoint) throws RemoteException {
        JsonNode entry = models.path("data").path(0);
        if (!entry.isObject() || !entry.hasNonNull("id") || !entry.path("max_context").canConvertToInt()) {
            throw new RemoteException(endpoint + ": the answer lists no model with an id and max_context", 0, null);
        }
        Map<String, Integer> mesh = new LinkedHashMap<>(); // the backend's axis order: dp, fsdp, tp, sp
        entry.path("mesh").fields().forEachRemaining(e -> mesh.put(e.getKey(), e.getValue().asInt()));
        List<String> modalities = new ArrayList<>();
        entry.path("modalities").forEach(m -> modalities.add(m.asText()));
        return new BackendInfo(entry.get("id").asText(), entry.get("max_context").asInt(),
                entry.path("vocab_size").asInt(), entry.path("vision_vocab_size").asInt(0),
                entry.path("devices").asInt(), Collections.unmodifiableMap(mesh), entry.path("kv_bytes_per_token").asLong(),
                List.copyOf(modalities), entry.path("vqgan").asBoolean(),
                entry.hasNonNull("vqgan_sha256") ? entry.get("vqgan_sha256").asText() : null,
                entry.path("progress").asBoolean());
    }

    public boolean supportsVision() {
        return visionVocabSize > 0 && modalities.contains("vision");
    }
}
