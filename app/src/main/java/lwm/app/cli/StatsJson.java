package lwm.app.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import lwm.engine.generate.GenerationResult;
import lwm.engine.generate.GenerationStats;

/** The JSON fields every generating command prints: ids, stop reason and timings. */
final class StatsJson {
    private StatsJson() {}

    static void put(ObjectNode root, GenerationResult result) {
        ints(root.putArray("prompt_ids"), result.promptIds());
        ints(root.putArray("generated_ids"), result.generatedIds());
        if (result.text() != null) {
            root.put("text", result.text());
        }
        root.put("stop_reason", result.stopReason().name().toLowerCase(java.util.Locale.ROOT));
        GenerationStats s = result.stats();
        ObjectNode timings = root.putObject("timings");
        timings.put("time_to_first_token_ms", s.timeToFirstToken().toNanos() / 1e6);
        timings.put("prefill_ms", s.prefillTime().toNanos() / 1e6);
        timings.put("decode_ms", s.decodeTime().toNanos() / 1e6);
        timings.put("prefill_tokens_per_s", s.prefillTokensPerSecond());
        timings.put("decode_tokens_per_s", s.decodeTokensPerSecond());
    }

    private static void ints(ArrayNode array, int[] values) {
        for (int v : values) {
            array.add(v);
        }
    }
}
