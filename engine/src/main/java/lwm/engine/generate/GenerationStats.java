package lwm.engine.generate;

import java.time.Duration;

/** Timings of one generation; rates are 0 where nothing was measured. */
public record GenerationStats(
        int promptTokens,
        int generatedTokens,
        Duration timeToFirstToken,
        Duration prefillTime,
        Duration decodeTime,
        double prefillTokensPerSecond,
        double decodeTokensPerSecond) {

    public static GenerationStats of(int promptTokens, int generatedTokens, long startNanos, long prefillEndNanos,
            long firstTokenNanos, long endNanos) {
        long prefill = prefillEndNanos - startNanos;
        long decode = generatedTokens > 1 ? endNanos - firstTokenNanos : 0;
        return new GenerationStats(promptTokens, generatedTokens,
                Duration.ofNanos(firstTokenNanos > 0 ? firstTokenNanos - startNanos : 0),
                Duration.ofNanos(prefill), Duration.ofNanos(decode),
                rate(promptTokens, prefill), rate(generatedTokens - 1, decode));
    }

    private static double rate(int tokens, long nanos) {
        return tokens > 0 && nanos > 0 ? tokens * 1e9 / nanos : 0;
    }
}
