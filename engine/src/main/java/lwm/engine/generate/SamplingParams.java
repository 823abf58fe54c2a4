package lwm.engine.generate;

/**
 * How the next token is chosen. Greedy takes the argmax; otherwise logits are divided by the temperature,
 * cut to the top-k, then to the smallest nucleus with probability ≥ top-p, and sampled with a seeded generator.
 *
 * @param topK 0 disables the top-k cut
 * @param topP 1 disables the nucleus cut
 */
public record SamplingParams(boolean greedy, float temperature, int topK, float topP, long seed) {
    public SamplingParams {
        if (!greedy) {
            if (!(temperature > 0) || Float.isInfinite(temperature)) {
                throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
            }
            if (topK < 0) {
                throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
            }
        }
    }

    public static SamplingParams greedyDecoding() {
        return new SamplingParams(true, 1, 0, 1, 0);
    }

    public static SamplingParams sampling(float temperature, int topK, float topP, long seed) {
        return new SamplingParams(false, temperature, topK, topP, seed);
    }
}
