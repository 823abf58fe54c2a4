package lwm.app.cli;

import lwm.engine.generate.SamplingParams;
import picocli.CommandLine.Option;

/** Decoding options; without --temperature a command uses its own default. */
final class SamplingOptions {
    @Option(names = "--greedy", description = "Always take the most likely token.")
    boolean greedy;

    @Option(names = "--temperature", paramLabel = "T", description = "Sample with this temperature.")
    Float temperature;

    @Option(names = "--top-k", paramLabel = "K", description = "Sample among the K most likely tokens (0: all).")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P", description = "Sample from the smallest set with probability >= P.")
    Float topP;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    SamplingParams resolve(SamplingParams defaults) {
        if (greedy) {
            if (temperature != null || topK != null || topP != null) {
                throw new IllegalArgumentException("--greedy cannot be combined with --temperature, --top-k or --top-p");
            }
            return SamplingParams.greedyDecoding();
        }
        if (defaults.greedy() && temperature == null && topK == null && topP == null) {
            return defaults;
        }
        SamplingParams base = defaults.greedy() ? SamplingParams.sampling(1f, 0, 1f, seed) : defaults;
        return SamplingParams.sampling(temperature != null ? temperature : base.temperature(),
                topK != null ? topK : base.topK(), topP != null ? topP : base.topP(), seed);
    }
}
