package lwm.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import lwm.app.chat.ChatOptions;
import lwm.app.ingest.AttachmentEncoder;
import lwm.app.ingest.CachedCodes;
import lwm.app.ingest.IngestionEvent;
import lwm.app.ingest.IngestionJob;
import lwm.app.engine.Engines;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.GenerationListener;
import lwm.engine.generate.GenerationRequest;
import lwm.engine.generate.GenerationResult;
import java.io.IOException;
import lwm.engine.generate.SamplingParams;
import lwm.engine.route.RoutingDecision;
import lwm.engine.tokenizer.LlamaTokenizer;
import lwm.engine.tokenizer.VisionPrompt;
import lwm.engine.tokenizer.VisionTokens;
import lwm.media.SamplingPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lwm ask}: a question about images and videos, answered by an LWM vision model. Each attachment is sampled,
 * preprocessed and VQGAN-encoded (cached by content), then laid out as LWM's vision chat prompt.
 */
@Command(name = "ask", mixinStandardHelpOptions = true, description = "Ask the model about images and videos.")
final class AskCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Mixin
    BackendOptions backendOptions = new BackendOptions();

    private final List<Path> attachments = new ArrayList<>();

    @Option(names = "--video", paramLabel = "FILE", description = "A video to ask about (repeatable, in order).")
    void addVideo(Path file) {
        attachments.add(file);
    }

    @Option(names = "--image", paramLabel = "FILE", description = "An image to ask about (repeatable, in order).")
    void addImage(Path file) {
        attachments.add(file);
    }

    @Option(names = "--question", required = true, paramLabel = "Q", description = "The question.")
    String question;

    @Mixin
    FrameOptions frameOptions = new FrameOptions();

    @Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "512",
            description = "Most tokens in the answer (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--cache", paramLabel = "DIR", description = "Where VQGAN codes are cached (default: ~/.cache/lwm-desktop/codes).")
    Path cacheDir = AttachmentEncoder.defaultCacheDir();

    @Option(names = "--json", description = "Print one JSON object with frame timestamps, token counts and timings.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (attachments.isEmpty()) {
            throw new IllegalArgumentException("give at least one --video or --image");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SamplingParams params = sampling.resolve(ChatOptions.lwmDefaults().sampling());
        SamplingPolicy policy = frameOptions.policy();
        try (Engines engines = new Engines(backendOptions.settings(modelOptions))) {
            if (!engines.footprint().vision()) {
                throw new IllegalArgumentException(modelOptions.dir() + ": a text-only model; images and videos need "
                        + "an LWM vision model (LWM-Chat)");
            }
            LlamaTokenizer tokenizer = engines.requireTokenizer("ask");
            // Route on the planned size before any decoding or encoding: it decides where frames are encoded too.
            Engines.Chosen chosen = engines.choose(plannedPromptTokens(tokenizer, policy), maxNewTokens);
            List<CachedCodes> encoded = encode(engines, chosen, policy, err);
            List<List<int[]>> frames = new ArrayList<>();
            encoded.forEach(codes -> frames.add(List.of(codes.codes())));
            VisionPrompt prompt = VisionPrompt.chat(tokenizer, question, frames);
            GenerationRequest request = GenerationRequest.of(prompt.ids(), maxNewTokens, params)
                    .withVisionMask(prompt.visionMask());
            GenerationListener listener = Terminal.notices(err, json ? GenerationListener.NONE : Terminal.streamTo(out));
            GenerationResult result = chosen.generate(request, listener, new CancellationToken());
            if (json) {
                out.println(toJson(result, encoded, chosen.decision()));
            } else {
                out.println();
                err.println(Summary.of(result.stats()));
            }
        }
        return 0;
    }

    /** Vision tokens of every attachment as planned, plus the question and LWM's template around it. */
    private long plannedPromptTokens(LlamaTokenizer tokenizer, SamplingPolicy policy) throws IOException {
        int[] frames = new int[attachments.size()];
        for (int a = 0; a < frames.length; a++) {
            frames[a] = IngestionJob.plannedFrames(attachments.get(a), policy);
        }
        return VisionPrompt.length(tokenizer, question, frames);
    }

    /** VQGAN codes of every attachment (see {@link AttachmentEncoder}: cached, local or on the backend). */
    private List<CachedCodes> encode(Engines engines, Engines.Chosen chosen, SamplingPolicy policy, PrintWriter err)
            throws IOException {
        List<CachedCodes> encoded = new ArrayList<>();
        try (AttachmentEncoder encoder = new AttachmentEncoder(engines, cacheDir)) {
            for (Path file : attachments) {
                encoded.add(encoder.encode(file, policy, chosen.decision().route(), event -> report(err, event),
                        new CancellationToken()));
            }
        }
        return encoded;
    }

    private static void report(PrintWriter err, IngestionEvent event) {
        if (event instanceof IngestionEvent.Planned) {
            IngestionEvent.Planned p = (IngestionEvent.Planned) event;
            err.printf(Locale.ROOT, "%s: %d frames → %d vision tokens%n", p.file(), p.frames(), p.tokens());
        } else if (event instanceof IngestionEvent.CacheHit) {
            IngestionEvent.CacheHit c = (IngestionEvent.CacheHit) event;
            err.printf(Locale.ROOT, "%s: %d frames (cached codes)%n", c.file(), c.frames());
        } else if (event instanceof IngestionEvent.Progress) {
            IngestionEvent.Progress p = (IngestionEvent.Progress) event;
            err.printf(Locale.ROOT, "  encoded %d/%d frames, ETA %ds%n", p.encoded(), p.total(), p.eta().toSeconds());
        } else if (event instanceof IngestionEvent.Warning) {
            err.println("warning: " + ((IngestionEvent.Warning) event).message());
        }
        err.flush();
    }

    private String toJson(GenerationResult result, List<CachedCodes> encoded, RoutingDecision decision)
            throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        ArrayNode files = root.putArray("attachments");
        for (int a = 0; a < encoded.size(); a++) {
            CachedCodes codes = encoded.get(a);
            ObjectNode file = files.addObject();
            file.put("file", attachments.get(a).toString());
            file.put("tokens", codes.frames() * VisionTokens.TOKENS_PER_FRAME);
            ArrayNode frames = file.putArray("frames");
            for (int f = 0; f < codes.frames(); f++) {
                frames.addObject().put("index", codes.frameIndices()[f]).put("timestamp", codes.timestamps()[f]);
            }
        }
        root.put("prompt_tokens", result.promptIds().length);
        root.put("route", decision.route().name().toLowerCase(Locale.ROOT));
        StatsJson.put(root, result);
        return mapper.writeValueAsString(root);
    }
}
