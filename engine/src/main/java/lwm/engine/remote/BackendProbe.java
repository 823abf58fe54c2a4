package lwm.engine.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Checks what a backend can do by using it: health, the model's description, a streamed text request (progress frames,
 * tokens, usage), and for vision models one image and a two-frame clip as codes, and as pixels when it has a VQGAN.
 */
public final class BackendProbe {
    private static final int PROBE_TOKEN = 1; // BOS: valid in every LLaMA vocabulary

    /** One check: what was tried, whether it worked, and what came back. */
    public record Check(String name, boolean ok, String detail) {}

    public record Report(BackendInfo info, List<Check> checks) {
        public boolean ok() {
            return info != null && checks.stream().allMatch(Check::ok);
        }
    }

    private BackendProbe() {}

    public static Report run(BackendConfig config) {
        BackendHttp http = new BackendHttp(config);
        List<Check> checks = new ArrayList<>();
        try {
            int status = http.get("/health", false).status();
            checks.add(new Check("health", true, "HTTP " + status));
        } catch (RemoteException e) {
            checks.add(new Check("health", false, e.getMessage()));
            return new Report(null, checks);
        }
        BackendInfo info;
        try {
            info = BackendInfo.parse(http.get("/v1/models", true).body(), http.endpoint("GET /v1/models"));
            checks.add(new Check("model", true, info.modelId() + ", max context " + info.maxContext() + ", "
                    + info.devices() + " devices " + info.mesh() + ", modalities " + info.modalities()));
        } catch (RemoteException e) {
            checks.add(new Check("model", false, e.getMessage()));
            return new Report(null, checks);
        }
        checks.add(stream(http, "text streaming", tokens(BackendHttp.JSON.createArrayNode())));
        if (info.supportsVision()) {
            checks.add(stream(http, "vision: one image (codes)", withCodes(1)));
            checks.add(stream(http, "vision: two frames (codes)", withCodes(2)));
            if (info.vqgan()) {
                checks.add(stream(http, "vision: two frames (pixels, server VQGAN)", withPixels(2)));
            }
        }
        return new Report(info, checks);
    }

    private static ArrayNode tokens(ArrayNode input) {
        input.addObject().put("type", "tokens").putArray("ids").add(PROBE_TOKEN);
        return input;
    }

    private static ArrayNode withCodes(int frames) {
        ArrayNode input = tokens(BackendHttp.JSON.createArrayNode());
        ArrayNode list = input.addObject().put("type", "vision_codes").putArray("frames");
        for (int f = 0; f < frames; f++) {
            ArrayNode codes = list.addArray();
            for (int i = 0; i < 256; i++) {
                codes.add((i * 31 + f) % 8192);
            }
        }
        return tokens(input);
    }

    private static ArrayNode withPixels(int frames) {
        ArrayNode input = tokens(BackendHttp.JSON.createArrayNode());
        ArrayNode list = input.addObject().put("type", "vision_frames").putArray("frames");
        byte[] rgb = new byte[256 * 256 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i % 251); // a gradient, not a flat frame
        }
        for (int f = 0; f < frames; f++) {
            list.add(Base64.getEncoder().encodeToString(rgb));
        }
        return tokens(input);
    }

    /** Sends a one-token streamed request and checks the frames the protocol promises. */
    private static Check stream(BackendHttp http, String name, ArrayNode input) {
        ObjectNode body = BackendHttp.JSON.createObjectNode();
        body.set("lwm_input", input);
        body.put("stream", true).put("max_tokens", 1).put("temperature", 0);
        int progress = 0;
        int tokens = 0;
        boolean usage = false;
        long start = System.nanoTime();
        try (SseStream stream = http.stream("POST", "/v1/chat/completions", body)) {
            String data;
            while ((data = stream.next()) != null) {
                JsonNode frame = BackendHttp.JSON.readTree(data);
                if (frame.path("error").isObject()) {
                    return new Check(name, false, frame.path("error").path("message").asText());
                }
                progress += frame.has("prompt_progress") ? 1 : 0;
                tokens += frame.path("choices").path(0).path("delta").path("token_ids").size();
                usage |= frame.path("usage").isObject();
            }
        } catch (Exception e) {
            return new Check(name, false, e.getMessage());
        }
        boolean ok = progress > 0 && tokens == 1 && usage;
        return new Check(name, ok, progress + " progress frames, " + tokens + " token, usage " + (usage ? "yes" : "no")
                + ", " + (System.nanoTime() - start) / 1_000_000 + " ms");
    }
}
