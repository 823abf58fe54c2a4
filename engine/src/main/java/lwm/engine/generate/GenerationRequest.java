package lwm.engine.generate;

/**
 * @param prefillChunk prompt tokens run per forward pass; smaller chunks bound memory and report progress more often
 * @param topLogits how many top logits to record per step (0 records none)
 * @param eosId generation stops after this id; -1 never stops early
 */
public record GenerationRequest(
        int[] promptIds, int maxNewTokens, SamplingParams sampling, int prefillChunk, int topLogits, int eosId) {
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
    }

    public static GenerationRequest of(int[] promptIds, int maxNewTokens, SamplingParams sampling) {
        return new GenerationRequest(promptIds, maxNewTokens, sampling, DEFAULT_PREFILL_CHUNK, 0, LLAMA_EOS);
    }

    public GenerationRequest withTopLogits(int k) {
        return new GenerationRequest(promptIds, maxNewTokens, sampling, prefillChunk, k, eosId);
    }

    public GenerationRequest withPrefillChunk(int chunk) {
        return new GenerationRequest(promptIds, maxNewTokens, sampling, chunk, topLogits, eosId);
    }

    public GenerationRequest withEos(int id) {
        return new GenerationRequest(promptIds, maxNewTokens, sampling, prefillChunk, topLogits, id);
    }
}
