package lwm.app.cli;

import java.io.IOException;
import java.io.PrintWriter;
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
import lwm.engine.remote.BackendConfig;
import lwm.engine.remote.RemoteEngine;
import lwm.engine.route.EngineRouter;
import lwm.engine.route.Route;
import lwm.engine.route.RoutingDecision;
import lwm.engine.tokenizer.LlamaTokenizer;

/**
 * The engines a command may use: the local model, loaded only when a request is routed to it, and the backend's
 * client when one is configured. Each request is routed by {@link EngineRouter}; the decision is printed.
 */
final class Engines implements AutoCloseable {
    private final ModelOptions model;
    private final ModelFootprint footprint;
    private final Precision precision;
    private final EngineRouter router;
    private final EngineRouter.Mode mode;
    private final RemoteEngine remote;
    private final LlamaTokenizer tokenizer;
    private LoadedModel local;

    Engines(ModelOptions model, BackendOptions backend) throws IOException {
        this.model = model;
        this.footprint = ModelLoader.footprint(model.dir());
        long physical = ModelLoader.physicalMemory();
        this.precision = model.precision != null ? Precision.parse(model.precision)
                : Precision.automatic(footprint.parameters(), physical);
        BackendConfig config = backend.config();
        this.remote = config == null ? null : new RemoteEngine(config);
        this.mode = backend.mode();
        this.router = new EngineRouter(footprint, precision, backend.budget(physical), remote);
        this.tokenizer = ModelOptions.tokenizer(model.dir());
    }

    ModelFootprint footprint() {
        return footprint;
    }

    Precision precision() {
        return precision;
    }

    /** The backend's client, or null when none is configured. */
    RemoteEngine remote() {
        return remote;
    }

    /** The tokenizer beside the model, or null when there is none. */
    LlamaTokenizer tokenizer() {
        return tokenizer;
    }

    /** The engine a request runs on, and why; the decision is the first event of the generation. */
    record Chosen(TextEngine engine, RoutingDecision decision) {
        GenerationResult generate(GenerationRequest request, GenerationListener listener, CancellationToken cancel) {
            listener.onEvent(new GenerationEvent.Notice("route: " + decision.reason()));
            return engine.generate(request, listener, cancel);
        }
    }

    /** An engine for a request of this size (the model is loaded here when the request runs locally). */
    Chosen choose(long promptTokens, long maxNewTokens) throws IOException {
        RoutingDecision decision = router.decide(promptTokens, maxNewTokens, mode);
        TextEngine engine = decision.route() == Route.REMOTE ? remote
                : new Generator(local().model(), tokenizer == null ? null : tokenizer::newStreamingDecoder);
        return new Chosen(engine, decision);
    }

    /** The local model, loaded on first use. */
    LoadedModel local() throws IOException {
        if (local == null) {
            local = ModelLoader.load(model.dir(), precision);
        }
        return local;
    }

    /** Prints notices (the route, re-attaching, re-created sessions) as they happen. */
    static GenerationListener notices(PrintWriter err, GenerationListener next) {
        return event -> {
            if (event instanceof GenerationEvent.Notice) {
                err.println(((GenerationEvent.Notice) event).message());
                err.flush();
            }
            next.onEvent(event);
        };
    }

    @Override
    public void close() {
        if (remote != null) {
            remote.close();
        }
        if (local != null) {
            local.close();
        }
    }
}
