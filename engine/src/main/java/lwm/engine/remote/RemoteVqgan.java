package lwm.engine.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import java.util.List;

/**
 * The backend's VQGAN ({@code POST /v1/vqgan/encode}): 256×256 RGB frames in, LWM codes out, encoded on the backend's
 * accelerators. Calls carry at most {@link #MAX_FRAMES_PER_CALL} frames, well under the backend's body limit.
 */
public final class RemoteVqgan {
    public static final int MAX_FRAMES_PER_CALL = 32;
    private static final int FRAME_BYTES = 256 * 256 * 3;
    private static final int CODES_PER_FRAME = 256;
    private static final String PATH = "/v1/vqgan/encode";

    private final BackendHttp http;
    private final String sha256;

    RemoteVqgan(BackendHttp http, String sha256) {
        this.http = http;
        this.sha256 = sha256;
    }

    /** The sha256 of the backend's VQGAN weights. */
    public String weightsSha256() {
        return sha256;
    }

    /** @param rgbFrames each 256·256·3 bytes, row-major RGB */
    public int[][] encode(List<byte[]> rgbFrames) throws RemoteException {
        if (rgbFrames.size() > MAX_FRAMES_PER_CALL) {
            throw new IllegalArgumentException(rgbFrames.size() + " frames in one call; at most " + MAX_FRAMES_PER_CALL);
        }
        ObjectNode body = BackendHttp.JSON.createObjectNode();
        ArrayNode frames = body.putArray("frames");
        for (byte[] frame : rgbFrames) {
            if (frame.length != FRAME_BYTES) {
                throw new IllegalArgumentException("a frame has " + frame.length + " bytes, expected " + FRAME_BYTES);
            }
            frames.add(Base64.getEncoder().encodeToString(frame));
        }
        JsonNode codes = http.post(PATH, body).body().path("codes");
        String endpoint = http.endpoint("POST " + PATH);
        if (codes.size() != rgbFrames.size()) {
            throw new RemoteException(endpoint + ": " + codes.size() + " code rows for " + rgbFrames.size() + " frames", 0, null);
        }
        int[][] out = new int[codes.size()][CODES_PER_FRAME];
        for (int f = 0; f < out.length; f++) {
            JsonNode row = codes.get(f);
            if (row.size() != CODES_PER_FRAME) {
                throw new RemoteException(endpoint + ": frame " + f + " has " + row.size() + " codes", 0, null);
            }
            for (int i = 0; i < CODES_PER_FRAME; i++) {
                out[f][i] = row.get(i).asInt();
            }
        }
        return out;
    }
}
