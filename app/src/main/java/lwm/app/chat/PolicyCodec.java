package lwm.app.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import lwm.media.SamplingPolicy;
import lwm.media.TimeRange;

/**
 * A sampling policy as JSON, stored with each attachment so that follow-up questions sample (and find in the code
 * cache) exactly the frames the first question used.
 */
final class PolicyCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PolicyCodec() {}

    static ObjectNode toJson(SamplingPolicy policy) {
        ObjectNode node = JSON.createObjectNode();
        List<TimeRange> ranges;
        if (policy instanceof SamplingPolicy.Linspace linspace) {
            node.put("frames", linspace.maxFrames());
            ranges = linspace.ranges();
        } else {
            SamplingPolicy.FixedRate rate = (SamplingPolicy.FixedRate) policy;
            node.put("fps", rate.fps());
            ranges = rate.ranges();
        }
        ArrayNode array = node.putArray("ranges");
        ranges.forEach(r -> array.addArray().add(r.startSeconds()).add(r.endSeconds()));
        return node;
    }

    static SamplingPolicy fromJson(JsonNode node) {
        SamplingPolicy base = node.has("fps") ? SamplingPolicy.fixedRate(node.get("fps").asDouble())
                : SamplingPolicy.lwm(node.path("frames").asInt(8));
        JsonNode ranges = node.path("ranges");
        if (!ranges.isArray() || ranges.isEmpty()) {
            return base;
        }
        TimeRange[] parsed = new TimeRange[ranges.size()];
        for (int i = 0; i < parsed.length; i++) {
            parsed[i] = new TimeRange(ranges.get(i).get(0).asDouble(), ranges.get(i).get(1).asDouble());
        }
        return base.within(parsed);
    }
}
