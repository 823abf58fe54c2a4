package lwm.app.cli;

import java.util.Locale;
import lwm.engine.generate.GenerationStats;

/** One line of timings for people reading a terminal. */
final class Summary {
    private Summary() {}

    static String of(GenerationStats s) {
        return String.format(Locale.ROOT,
                "[%d prompt tokens, %d generated; first token %.0f ms; prefill %.1f tok/s; decode %.1f tok/s]",
                s.promptTokens(), s.generatedTokens(), s.timeToFirstToken().toNanos() / 1e6,
                s.prefillTokensPerSecond(), s.decodeTokensPerSecond());
    }
}
