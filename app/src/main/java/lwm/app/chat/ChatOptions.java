package lwm.app.chat;

import lwm.engine.generate.SamplingParams;

/** How answers are decoded: at most {@code maxNewTokens}, sampled with {@code sampling}. */
public record ChatOptions(int maxNewTokens, SamplingParams sampling) {
    /** LWM's chat and vision-chat decoding (reference/lwm.md §4.3: temperature 0.2, top-k 50), 512 tokens. */
    public static ChatOptions lwmDefaults() {
        return new ChatOptions(512, SamplingParams.sampling(0.2f, 50, 1f, 0));
    }
}
