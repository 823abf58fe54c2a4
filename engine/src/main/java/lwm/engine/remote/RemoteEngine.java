package lwm.engine.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.GenerationEvent;
import lwm.engine.generate.GenerationListener;
import lwm.engine.generate.GenerationRequest;
import lwm.engine.generate.GenerationResult;
import lwm.engine.generate.GenerationStats;
import lwm.engine.generate.StopReason;
import lwm.engine.generate.TextEngine;
import lwm.engine.model.Head;

/**
 * Runs generations on the remote backend (remote-backend/PROTOCOL.md). One engine is one conversation: the prompt's
 * document goes into a backend session (prefilled with progress, re-attached after a dropped connection, re-created
 * when the backend lost it), and a later prompt that extends what the session holds sends only its new tokens.
 */
public final class RemoteEngine implements TextEngine, AutoCloseable {
    /** Room a new session keeps for later turns beyond the request that creates it. */
    private static final int SESSION_HEADROOM = 8192;
    /** Re-attach attempts after a dropped event stream, with these pauses between them. */
    private static final long[] REATTACH_PAUSES_MS = {250, 500, 1000, 2000};
    private static final ScheduledExecutorService CANCEL_WATCH = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "lwm-remote-cancel");
        thread.setDaemon(true);
        return thread;
    });

    private final BackendHttp http;
    private BackendInfo info;
    private RemoteSession session;
    private int lastCachedTokens;

    public RemoteEngine(BackendConfig config) {
        this.http = new BackendHttp(config);
    }

    public BackendConfig config() {
        return http.config();
    }

    /** True when {@code GET /health} answers 200. */
    public boolean healthy() {
        try {
            return http.get("/health", false).status() == 200;
        } catch (RemoteException e) {
            return false;
        }
    }

    /** The served model (asked once, then remembered). */
    public synchronized BackendInfo info() throws RemoteException {
        if (info == null) {
            info = BackendInfo.parse(http.get("/v1/models", true).body(), http.endpoint("GET /v1/models"));
        }
        return info;
    }

    /** The backend's VQGAN, or null when it has none. */
    public RemoteVqgan vqgan() throws RemoteException {
        BackendInfo served = info();
        return served.vqgan() && served.vqganSha256() != null ? new RemoteVqgan(http, served.vqganSha256()) : null;
    }

    /** The backend's {@code cached_tokens} for the last request: prompt tokens it reused instead of prefilling. */
    public synchronized int lastCachedTokens() {
        return lastCachedTokens;
    }

    /** Tokens the backend session holds now (0 without a session). */
    public synchronized int cachedTokens() {
        return session == null ? 0 : session.known.length;
    }

    @Override
    public synchronized GenerationResult generate(GenerationRequest request, GenerationListener listener,
            CancellationToken cancel) {
        try {
            GenerationResult result = run(request, listener, cancel);
            listener.onEvent(new GenerationEvent.Finished(result));
            return result;
        } catch (RemoteException e) {
            listener.onEvent(new GenerationEvent.Failed(e));
            throw new UncheckedIOException(e.getMessage(), e);
        } catch (RuntimeException e) {
            listener.onEvent(new GenerationEvent.Failed(e));
            throw e;
        }
    }

    private GenerationResult run(GenerationRequest request, GenerationListener listener, CancellationToken cancel)
            throws RemoteException {
        if (request.sampleMode() != Head.TEXT) {
            throw new IllegalArgumentException("the remote backend generates text answers only (sample mode "
                    + request.sampleMode() + ")");
        }
        Clock clock = new Clock(request.promptIds().length);
        try {
            return runOnSession(request, listener, cancel, clock);
        } catch (RemoteException e) {
            if (session == null || !recoverable(e)) {
                throw e;
            }
            listener.onEvent(new GenerationEvent.Notice("session_not_found".equals(e.code())
                    ? "the backend no longer has session " + session.id + "; re-creating it (the document is prefilled again)"
                    : "session " + session.id + " is full; starting a larger one"));
            forgetSession();
            return runOnSession(request, listener, cancel, clock);
        }
    }

    /** Errors a new session fixes: the backend lost the session (restart, TTL) or it has no room for this turn. */
    private static boolean recoverable(RemoteException e) {
        return "session_not_found".equals(e.code()) || "context_length_exceeded".equals(e.code());
    }

    private GenerationResult runOnSession(GenerationRequest request, GenerationListener listener,
            CancellationToken cancel, Clock clock) throws RemoteException {
        int[] prompt = request.promptIds();
        if (session == null || !session.isPrefixOf(prompt)) {
            replaceSession(prompt, request.visionMask(), request.maxNewTokens(), listener, cancel, clock);
        }
        if (cancel.isCancelled()) {
            return clock.result(prompt, new int[0], "", StopReason.CANCELLED);
        }
        return complete(request, listener, cancel, clock);
    }

    /** A new session holding all of the prompt but its last token, which the chat request then sends. */
    private void replaceSession(int[] prompt, boolean[] mask, int maxNewTokens, GenerationListener listener,
            CancellationToken cancel, Clock clock) throws RemoteException {
        deleteSession();
        ObjectNode body = BackendHttp.JSON.createObjectNode();
        body.set("lwm_input", PromptSegments.of(prompt, mask, 0, prompt.length - 1));
        long wanted = (long) prompt.length + maxNewTokens + SESSION_HEADROOM;
        body.put("capacity", (int) Math.min(info().maxContext(), wanted));
        JsonNode created = http.post("/v1/sessions", body).body();
        session = new RemoteSession(created.path("session_id").asText(), Arrays.copyOf(prompt, prompt.length - 1));
        try {
            awaitPrefill(created.path("request_id").asText(), listener, cancel, clock);
        } catch (RemoteException e) {
            forgetSession(); // what it holds is unknown now; the next request starts a new one
            throw e;
        }
    }

    /** Drops the session without waiting: an unreachable or frozen backend frees it by its TTL instead. */
    private void forgetSession() {
        if (session != null) {
            http.deleteInBackground("/v1/sessions/" + session.id);
            session = null;
        }
    }

    /** Follows the session's prefill to the end, re-attaching to its event stream when the connection drops. */
    private void awaitPrefill(String requestId, GenerationListener listener, CancellationToken cancel, Clock clock)
            throws RemoteException {
        String path = "/v1/sessions/" + session.id + "/events";
        int attempt = 0;
        while (true) {
            try (SseStream events = http.stream("GET", path, null);
                    CancelWatch watch = new CancelWatch(cancel, requestId)) {
                attempt = 0;
                String data;
                while ((data = events.next()) != null) {
                    JsonNode frame = parse(data, path);
                    throwIfError(frame, path);
                    reportProgress(frame.path("prompt_progress"), 0, listener, clock);
                    if ("session.state".equals(frame.path("object").asText())) {
                        checkReady(frame, path);
                    }
                }
                return;
            } catch (RemoteException e) {
                if (e.status() != 0 || attempt >= REATTACH_PAUSES_MS.length) {
                    throw attempt == 0 ? e : new RemoteException("lost the backend while prefilling session " + session.id
                            + " (" + clock.processed + " of " + clock.total + " tokens done): " + e.getMessage(), e);
                }
                listener.onEvent(new GenerationEvent.Notice("connection to the backend dropped; re-attaching to session "
                        + session.id));
                pause(REATTACH_PAUSES_MS[attempt++]);
            }
        }
    }

    private void checkReady(JsonNode state, String path) throws RemoteException {
        String value = state.path("state").asText();
        if (value.equals("failed")) {
            throw new RemoteException(http.endpoint("GET " + path) + ": the prefill failed: "
                    + state.path("error").asText("no reason given"), 0, "session_failed");
        }
        if (!value.equals("ready") && !value.equals("cancelled")) {
            throw new RemoteException(http.endpoint("GET " + path) + ": the event stream ended in state " + value, 0, null);
        }
        session.trimTo(state.path("tokens_in_cache").asInt(session.known.length));
    }

    private GenerationResult complete(GenerationRequest request, GenerationListener listener, CancellationToken cancel,
            Clock clock) throws RemoteException {
        int[] prompt = request.promptIds();
        int cached = session.known.length;
        ObjectNode body = chatBody(request);
        body.set("lwm_input", PromptSegments.of(prompt, request.visionMask(), cached, prompt.length));
        body.put("session_id", session.id);
        body.put("session_keep", "all");
        String path = "/v1/chat/completions";
        List<Integer> generated = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        StopReason reason = StopReason.MAX_TOKENS;
        try (SseStream stream = http.stream("POST", path, body);
                CancelWatch watch = new CancelWatch(cancel, stream.requestId())) {
            String data;
            while ((data = stream.next()) != null) {
                JsonNode frame = parse(data, path);
                throwIfError(frame, path);
                reportProgress(frame.path("prompt_progress"), cached, listener, clock);
                JsonNode usage = frame.path("usage").path("prompt_tokens_details").path("cached_tokens");
                if (usage.canConvertToInt()) {
                    lastCachedTokens = usage.asInt();
                }
                JsonNode choice = frame.path("choices").path(0);
                if (choice.isMissingNode()) {
                    continue;
                }
                clock.prefillDone();
                String content = choice.path("delta").path("content").asText("");
                JsonNode ids = choice.path("delta").path("token_ids");
                for (int i = 0; i < ids.size(); i++) {
                    generated.add(ids.get(i).asInt());
                    clock.token();
                    listener.onEvent(new GenerationEvent.TokenGenerated(generated.size() - 1, ids.get(i).asInt(),
                            i == ids.size() - 1 ? content : ""));
                }
                text.append(content);
                if (choice.hasNonNull("finish_reason")) {
                    reason = stopReason(choice.get("finish_reason").asText());
                }
            }
        }
        int[] ids = generated.stream().mapToInt(Integer::intValue).toArray();
        if (ids.length > 0 || tokensInSession() > cached) {
            session.append(prompt, cached, ids); // session_keep "all": the prompt and the whole answer stay
        } // else a cancel during the prefill rolled the session back to what it held before
        return clock.result(prompt, ids, text.toString(), reason);
    }

    private int tokensInSession() throws RemoteException {
        return http.get("/v1/sessions/" + session.id, true).body().path("tokens_in_cache").asInt();
    }

    private ObjectNode chatBody(GenerationRequest request) throws RemoteException {
        ObjectNode body = BackendHttp.JSON.createObjectNode();
        body.put("model", info().modelId());
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        body.put("max_tokens", request.maxNewTokens());
        var sampling = request.sampling();
        if (sampling.greedy()) {
            body.put("temperature", 0);
        } else {
            body.put("temperature", sampling.temperature()).put("top_k", sampling.topK())
                    .put("top_p", sampling.topP()).put("seed", sampling.seed());
        }
        return body;
    }

    private void reportProgress(JsonNode progress, int offset, GenerationListener listener, Clock clock) {
        if (!progress.isObject() || "queued".equals(progress.path("phase").asText())) {
            return;
        }
        int processed = offset + progress.path("processed").asInt();
        if (processed > clock.processed) {
            clock.processed = processed;
            long elapsed = System.nanoTime() - clock.start;
            Duration eta = progress.hasNonNull("eta_ms") ? Duration.ofMillis(progress.get("eta_ms").asLong())
                    : Duration.ofNanos((long) ((double) elapsed / processed * (clock.total - processed)));
            listener.onEvent(new GenerationEvent.PrefillProgress(processed, clock.total, Duration.ofNanos(elapsed), eta));
        }
    }

    private static StopReason stopReason(String finish) {
        return switch (finish) {
            case "stop" -> StopReason.END_OF_SEQUENCE;
            case "cancelled" -> StopReason.CANCELLED;
            default -> StopReason.MAX_TOKENS;
        };
    }

    private JsonNode parse(String data, String path) throws RemoteException {
        try {
            return BackendHttp.JSON.readTree(data);
        } catch (IOException e) {
            throw new RemoteException(http.endpoint("POST " + path) + ": a stream frame is not JSON: " + e.getMessage(), 0, null);
        }
    }

    private void throwIfError(JsonNode frame, String path) throws RemoteException {
        JsonNode error = frame.path("error");
        if (error.isObject()) {
            throw new RemoteException(http.config().baseUrl() + path + ": " + error.path("message").asText("error"), 0,
                    error.path("code").asText(null));
        }
    }

    /** Frees the backend session (the backend treats DELETE as idempotent). */
    public synchronized void deleteSession() throws RemoteException {
        if (session != null) {
            String id = session.id;
            session = null;
            http.delete("/v1/sessions/" + id);
        }
    }

    @Override
    public void close() {
        forgetSession();
    }

    private static void pause(long millis) throws RemoteException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RemoteException("interrupted while re-attaching to the backend", e);
        }
    }

    /** Sends the backend's cancel once the token is cancelled; checked every 50 ms while a stream is open. */
    private final class CancelWatch implements AutoCloseable {
        private final ScheduledFuture<?> task;

        CancelWatch(CancellationToken cancel, String requestId) {
            AtomicBoolean sent = new AtomicBoolean();
            task = requestId == null ? null : CANCEL_WATCH.scheduleWithFixedDelay(() -> {
                if (cancel.isCancelled() && sent.compareAndSet(false, true)) {
                    try {
                        http.post("/v1/requests/" + requestId + "/cancel", BackendHttp.JSON.createObjectNode());
                    } catch (RemoteException e) {
                        // 409: it finished first; 404 or unreachable: the stream ends with its own error.
                    }
                }
            }, 50, 50, TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            if (task != null) {
                task.cancel(false);
            }
        }
    }

    /** The ids the backend session holds, as far as this client knows them. */
    private static final class RemoteSession {
        final String id;
        int[] known;

        RemoteSession(String id, int[] known) {
            this.id = id;
            this.known = known;
        }

        boolean isPrefixOf(int[] prompt) {
            return known.length < prompt.length && Arrays.equals(known, 0, known.length, prompt, 0, known.length);
        }

        void append(int[] prompt, int from, int[] generated) {
            int[] all = Arrays.copyOf(known, known.length + (prompt.length - from) + generated.length);
            System.arraycopy(prompt, from, all, known.length, prompt.length - from);
            System.arraycopy(generated, 0, all, known.length + prompt.length - from, generated.length);
            known = all;
        }

        void trimTo(int tokens) {
            known = Arrays.copyOf(known, Math.min(tokens, known.length));
        }
    }

    /** Timings of one generation, as the local engine reports them. */
    private static final class Clock {
        final long start = System.nanoTime();
        final int total;
        int processed;
        long prefillEnd;
        long firstToken;

        Clock(int total) {
            this.total = total;
        }

        void prefillDone() {
            if (prefillEnd == 0) {
                prefillEnd = System.nanoTime();
            }
        }

        void token() {
            if (firstToken == 0) {
                firstToken = System.nanoTime();
            }
        }

        GenerationResult result(int[] prompt, int[] generated, String text, StopReason reason) {
            long now = System.nanoTime();
            GenerationStats stats = GenerationStats.of(prompt.length, generated.length, start,
                    prefillEnd == 0 ? now : prefillEnd, firstToken, now);
            return new GenerationResult(prompt.clone(), generated, text, reason, stats, List.of());
        }
    }
}
