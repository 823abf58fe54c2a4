package lwm.engine.tokenizer;

import java.util.Arrays;

/**
 * LWM's text-to-image and text-to-video prompts (reference/lwm.md §4.1, {@code vision_generation.py}): the
 * conditional {@code "<s>You are a helpful assistant. USER: Generate an image of {caption} ASSISTANT: <vision>"}
 * (a video's later frames: "Generate a video of"), and the unconditional {@code "<s><vision>"} that classifier-free
 * guidance subtracts. LWM pads both to 128 tokens on the left and truncates on the left; the padding is masked and
 * position ids count only real tokens (HF Flax: {@code cumsum(attention_mask) - 1}), so a row is the same as its
 * unpadded ids at positions from 0, which is what these return, cut to the last 128.
 */
public final class GenerationPrompt {
    /** LWM's {@code max_length} for generation prompts. */
    public static final int MAX_TOKENS = 128;

    private GenerationPrompt() {}

    public static int[] image(LlamaTokenizer tokenizer, String caption) {
        return conditional(tokenizer, "Generate an image of " + caption);
    }

    public static int[] video(LlamaTokenizer tokenizer, String caption) {
        return conditional(tokenizer, "Generate a video of " + caption);
    }

    public static int[] unconditional(LlamaTokenizer tokenizer) {
        return new PromptBuilder(tokenizer).text("<vision>").build();
    }

    private static int[] conditional(LlamaTokenizer tokenizer, String request) {
        int[] ids = new PromptBuilder(tokenizer).text(ChatPrompt.SYSTEM + " USER: " + request + " ASSISTANT: <vision>")
                .build();
        return ids.length <= MAX_TOKENS ? ids : Arrays.copyOfRange(ids, ids.length - MAX_TOKENS, ids.length);
    }
}
