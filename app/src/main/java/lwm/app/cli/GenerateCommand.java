package lwm.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import lwm.app.engine.Engines;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.GenerationListener;
import lwm.engine.generate.GenerationRequest;
import lwm.engine.generate.GenerationResult;
import lwm.engine.generate.SamplingParams;
import lwm.engine.generate.TopLogits;
import lwm.engine.model.Precision;
import lwm.engine.route.RoutingDecision;
import lwm.engine.tokenizer.LlamaTokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lwm generate}: continue a prompt, streaming text, or print one JSON object with ids, top logits and timings. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Continue a prompt with the model.")
final class GenerateCommand implements Callable<Integer> {
    private static final int TOP_LOGITS = 5;

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Mixin
    BackendOptions backendOptions = new BackendOptions();

    @ArgGroup(exclusive = true, multiplicity = "1")
    PromptInput input;

    static final class PromptInput {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "Text to continue (BOS is prepended).")
        String text;

        @Option(names = "--prompt-ids", paramLabel = "IDS", split = ",",
                description = "Token ids to continue, comma separated; needs no tokenizer.")
        int[] ids;
    }

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "128",
            description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Option(names = "--json", description = "Print one JSON object instead of streaming text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        SamplingParams params = sampling.resolve(SamplingParams.greedyDecoding());
        PrintWriter err = spec.commandLine().getErr();
        try (Engines engines = new Engines(backendOptions.settings(modelOptions))) {
            int[] prompt = promptIds(engines.tokenizer());
            Engines.Chosen chosen = engines.choose(prompt.length, maxNewTokens);
            GenerationRequest request = GenerationRequest.of(prompt, maxNewTokens, params).withTopLogits(json ? TOP_LOGITS : 0);
            GenerationListener listener = Terminal.notices(err, json ? GenerationListener.NONE : Terminal.streamTo(out));
            GenerationResult result = chosen.generate(request, listener, new CancellationToken());
            if (json) {
                out.println(toJson(result, engines.precision(), chosen.decision()));
            } else {
                out.println();
                err.println(Summary.of(result.stats()));
            }
        }
        return 0;
    }

    private int[] promptIds(LlamaTokenizer tokenizer) {
        if (input.ids != null) {
            return input.ids;
        }
        if (tokenizer == null) {
            throw new IllegalArgumentException(modelOptions.dir().resolve("tokenizer.model")
                    + ": not found; --prompt needs a tokenizer (use --prompt-ids)");
        }
        int[] encoded = tokenizer.encode(input.text);
        int[] ids = new int[encoded.length + 1];
        ids[0] = tokenizer.bos();
        System.arraycopy(encoded, 0, ids, 1, encoded.length);
        return ids;
    }

    private static String toJson(GenerationResult result, Precision precision, RoutingDecision decision)
            throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        StatsJson.put(root, result);
        ArrayNode steps = root.putArray("steps");
        for (TopLogits step : result.steps()) {
            ArrayNode pairs = steps.addArray();
            for (int i = 0; i < step.ids().length; i++) {
                pairs.addArray().add(step.ids()[i]).add(step.logits()[i]);
            }
        }
        root.put("precision", precision.name().toLowerCase(java.util.Locale.ROOT));
        root.put("route", decision.route().name().toLowerCase(java.util.Locale.ROOT));
        return mapper.writeValueAsString(root);
    }
}
