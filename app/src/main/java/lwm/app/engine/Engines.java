package lwm.app.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.GenerationEvent;
import lwm.engine.generate.GenerationListener;
import lwm.engine.generate.GenerationRequest;
import lwm.engine.generate.GenerationResult;
import lwm.engine.generate.Generator;
import lwm.engine.generate.TextEngine;
import lwm.engine.model.LoadedModel;
import lwm.engine.model.ModelFootprint;
import lwm.engine.model.ModelLoader;
import lwm.engine.model.Precision;
import lwm.engine.remote.RemoteEngine;
import lwm.engine.route.EngineRouter;
import lwm.engine.route.Route;
import lwm.engine.route.RoutingDecision;
import lwm.engine.tokenizer.InvalidTokenizerException;
import lwm.engine.tokenizer.LlamaTokenizer;

/**
 * The engines requests may use: the local model, loaded only when a request is routed to it, and the backend's
 * client when one is configured. Each request is routed by {@link EngineRouter}.
 */
public final class Engines implements AutoCloseable {
    private final Path modelDir;
    private final ModelFootprint footprint;
    private final Precision precision;
    private final EngineRouter router;
    private final EngineRouter.Mode mode;
    private final RemoteEngine remote;
    private final LlamaTokenizer tokenizer;
    private LoadedModel local;

    public Engines(EngineSettings settings) throws IOException {
        this.modelDir = settings.modelDir();
        this.footprint = ModelLoader.footprint(modelDir);
        long physical = ModelLoader.physicalMemory();
        this.precision = settings.precision() != null ? settings.precision()
                : Precision.automatic(footprint.parameters(), physical);
        this.remote = settings.backend() == null ? null : new RemoteEngine(settings.backend());
        this.mode = settings.mode();
        long budget = settings.memoryBudget() > 0 ? settings.memoryBudget() : EngineRouter.defaultBudget(physical);
        this.router = new EngineRouter(footprint, precision, budget, remote);
        this.tokenizer = tokenizerOf(modelDir, footprint);
    }

    /** The tokenizer beside the model, refused naming both files when it has ids the model has no embedding for. */
    private static LlamaTokenizer tokenizerOf(Path modelDir, ModelFootprint footprint) throws IOException {
        Path file = modelDir.resolve("tokenizer.model");
        if (!Files.exists(file)) {
            return null;
        }
        LlamaTokenizer tokenizer = LlamaTokenizer.load(file);
        if (tokenizer.vocabSize() > footprint.vocabSize()) {
            throw new InvalidTokenizerException(file + ": " + tokenizer.vocabSize() + " pieces, but the model in "
                    + modelDir + " embeds only " + footprint.vocabSize() + " ids; this tokenizer is another model's");
        }
        return tokenizer;
    }

    public Path modelDir() {
        return modelDir;
    }

    public ModelFootprint footprint() {
        return footprint;
    }

    public Precision precision() {
        return precision;
    }

    /** The backend's client, or null when none is configured. */
    public RemoteEngine remote() {
        return remote;
    }

    /** The tokenizer beside the model, or null when there is none. */
    public LlamaTokenizer tokenizer() {
        return tokenizer;
    }

    /** The tokenizer, or an exception naming the file that is missing and what needed it. */
    public LlamaTokenizer requireTokenizer(String purpose) {
        if (tokenizer == null) {
            throw new IllegalArgumentException(modelDir.resolve("tokenizer.model") + ": not found; " + purpose
                    + " needs a tokenizer");
        }
        return tokenizer;
    }

    /** The engine a request runs on, and why; the decision is the first event of the generation. */
    public record Chosen(TextEngine engine, RoutingDecision decision) {
        public GenerationResult generate(GenerationRequest request, GenerationListener listener, CancellationToken cancel) {
            listener.onEvent(new GenerationEvent.Notice("route: " + decision.reason()));
            return engine.generate(request, listener, cancel);
        }
    }

    /** Where a request of this size would run, without loading anything; a DoesNotFitException when nowhere. */
    public RoutingDecision decide(long promptTokens, long maxNewTokens) {
        return router.decide(promptTokens, maxNewTokens, mode);
    }

    /** An engine for a request of this size (the model is loaded here when the request runs locally). */
    public Chosen choose(long promptTokens, long maxNewTokens) throws IOException {
        RoutingDecision decision = decide(promptTokens, maxNewTokens);
        TextEngine engine = decision.route() == Route.REMOTE ? remote
                : new Generator(local().model(), tokenizer == null ? null : tokenizer::newStreamingDecoder);
        return new Chosen(engine, decision);
    }

    /** The local model, loaded on first use. */
    public synchronized LoadedModel local() throws IOException {
        if (local == null) {
            local = ModelLoader.load(modelDir, precision);
        }
        return local;
    }

    @Override
    public synchronized void close() {
        if (remote != null) {
            remote.close();
        }
        if (local != null) {
            local.close();
        }
    }
}
