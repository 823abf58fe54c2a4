package lwm.engine.generate;

import lwm.engine.model.Head;

/**
 * @param prefillChunk prompt tokens run per forward pass; smaller chunks bound memory and report progress more often
 * @param topLogits how many top logits to record per step (0 records none)
 * @param eosId generation stops after this id; -1 never stops early
 * @param visionMask null for a text prompt; otherwise, per prompt id, true where it is in the vision vocabulary
 *     (LWM's vision chat, reference/lwm.md §2.4)
 * @param sampleMode the vocabulary new tokens are generated in (LWM's {@code sample_mode}, §1.5): TEXT for answers,
 *     VISION for image and video tokens, which are never decoded to text
 */
public record GenerationRequest(int[] promptIds, int maxNewTokens, SamplingParams sampling, int prefillChunk,
        int topLogits, int eosId, boolean[] visionMask, Head sampleMode) {
    public static final int LLAMA_EOS = 2;
    public static final int DEFAULT_PREFILL_CHUNK = 512;

    public GenerationRequest {
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        }
        if (prefillChunk < 1) {
            throw new IllegalArgumentException("prefill chunk must be positive, got " + prefillChunk);
        }
        if (visionMask != null && visionMask.length != promptIds.length) {
            throw new IllegalArgumentException("the vision mask has " + visionMask.length + " entries for "
                    + promptIds.length + " prompt ids");
        }
        if (sampleMode == null) {
            throw new IllegalArgumentException("sample mode is required (TEXT or VISION)");
        }
    }

    public static GenerationRequest of(int[] promptIds, int maxNewTokens, SamplingParams sampling) {
        return new GenerationRequest(promptIds, maxNewTokens, sampling, DEFAULT_PREFILL_CHUNK, 0, LLAMA_EOS, null,
                Head.TEXT);
    }

    public GenerationRequest withTopLogits(int k) {
        return new GenerationRequest(promptIds, maxNewTokens, sampling, prefillChunk, k, eosId, visionMask, sampleMode);
    }

    public GenerationRequest withPrefillChunk(int chunk) {
        return new GenerationRequest(promptIds, maxNewTokens, sampling, chunk, topLogits, eosId, visionMask, sampleMode);
    }

    public GenerationRequest withEos(int id) {
        return new GenerationRequest(promptIds, maxNewTokens, sampling, prefillChunk, topLogits, id, visionMask,
                sampleMode);
    }

    public GenerationRequest withVisionMask(boolean[] mask) {
        return new GenerationRequest(promptIds, maxNewTokens, sampling, prefillChunk, topLogits, eosId, mask, sampleMode);
    }

    public GenerationRequest withSampleMode(Head mode) {
        return new GenerationRequest(promptIds, maxNewTokens, sampling, prefillChunk, topLogits, eosId, visionMask, mode);
    }
}
