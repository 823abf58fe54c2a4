package lwm.engine.generate;

import java.util.List;

/**
 * @param text the decoded new tokens, or null without a tokenizer
 * @param steps per generated token its top logits, when requested (empty otherwise)
 */
public record GenerationResult(
        int[] promptIds,
        int[] generatedIds,
        String text,
        StopReason stopReason,
        GenerationStats stats,
        List<TopLogits> steps) {}
