package lwm.app.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import lwm.app.engine.Engines;
import lwm.app.ingest.AttachmentEncoder;
import lwm.app.ingest.CachedCodes;
import lwm.app.ingest.ContentHash;
import lwm.app.ingest.IngestionJob;
import lwm.app.store.Attachment;
import lwm.app.store.ConversationStore;
import lwm.app.store.Message;
import lwm.app.store.Message.Role;
import lwm.app.store.Message.Status;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.GenerationEvent;
import lwm.engine.generate.GenerationRequest;
import lwm.engine.generate.GenerationResult;
import lwm.engine.generate.StopReason;
import lwm.engine.model.Precision;
import lwm.engine.route.DoesNotFitException;
import lwm.engine.route.Route;
import lwm.engine.route.RoutingDecision;
import lwm.engine.tokenizer.ConversationPrompt;
import lwm.engine.tokenizer.LlamaTokenizer;
import lwm.engine.tokenizer.VisionPrompt;
import lwm.engine.tokenizer.VisionTokens;
import lwm.media.SamplingPolicy;

/**
 * The chat use case over the store: a question with its attachments is stored, planned (tokens, route), its
 * images and videos are sampled and VQGAN-encoded (codes cached by content, so follow-ups cost a lookup), the whole
 * conversation is laid out in LWM's prompt layouts ({@link ConversationPrompt}), and the answer is streamed into
 * the store as it grows. Calls block: front ends run them on a background thread and cancel with the token.
 */
public final class ChatService implements AutoCloseable {
    /** Text documents larger than this are refused rather than tokenized (the prompt could not hold them anyway). */
    static final long MAX_TEXT_BYTES = 16L << 20;
    /** How often a streaming answer is committed: a crash loses at most this much of it. */
    private static final long SAVE_EVERY_NANOS = 200_000_000L;
    private static final int[] PLACEHOLDER_FRAME = new int[VisionTokens.CODES_PER_FRAME];
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PLANNED_FILES = 256;

    private final Engines engines;
    private final ConversationStore store;
    private final AttachmentEncoder encoder;
    /**
     * Frames each file gives under a policy, by path, size, modification time and policy: planning runs on every
     * change of the draft, and counting a video's frames reads its whole index.
     */
    private final Map<String, Integer> plannedFrames = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
                    return size() > PLANNED_FILES;
                }
            });

    public ChatService(Engines engines, ConversationStore store, AttachmentEncoder encoder) {
        this.engines = engines;
        this.store = store;
        this.encoder = encoder;
    }

    public Engines engines() {
        return engines;
    }

    public ConversationStore store() {
        return store;
    }

    /** The attachment encoder (VQGAN and code cache), shared with the needle lab's video needles. */
    public AttachmentEncoder encoder() {
        return encoder;
    }

    // ------------------------------------------------------------------ planning

    /** What sending {@code question} with {@code files} would cost and where it would run; decodes nothing. */
    public ContextPlan plan(long conversationId, String question, List<Path> files, SamplingPolicy policy, int maxNewTokens) {
        LlamaTokenizer tokenizer = engines.requireTokenizer("chat");
        List<ContextPlan.Item> items = new ArrayList<>();
        List<Shaped> turns = shapesOf(conversationId < 0 ? List.of() : store.messages(conversationId), false);
        List<Integer> frames = new ArrayList<>();
        StringBuilder documents = new StringBuilder();
        for (Path file : files) {
            ContextPlan.Item item = planItem(tokenizer, file, policy, documents);
            items.add(item);
            if (item.kind().visual() && item.problem() == null) {
                frames.add(item.frames());
            }
        }
        turns.add(new Shaped(null, withDocuments(documents, question), frames, null));
        long total = promptOf(tokenizer, turns).ids().length;
        long vision = items.stream().filter(i -> i.kind().visual()).mapToLong(ContextPlan.Item::tokens).sum();
        long context = engines.footprint().maxSequenceLength();
        try {
            RoutingDecision decision = engines.decide(total, maxNewTokens);
            return new ContextPlan(items, total - vision, total, context, decision, null, List.of());
        } catch (DoesNotFitException e) {
            return new ContextPlan(items, total - vision, total, context, null, withoutFlags(e.getMessage()),
                    fixes(items, total, maxNewTokens, e.maxLocalTokens()));
        }
    }

    private ContextPlan.Item planItem(LlamaTokenizer tokenizer, Path file, SamplingPolicy policy, StringBuilder documents) {
        AttachmentKind kind = AttachmentKind.of(file);
        try {
            if (kind == AttachmentKind.TEXT) {
                String text = readDocument(file);
                documents.append(text).append("\n\n");
                return new ContextPlan.Item(file, kind, 0, tokenizer.encode(text).length, null);
            }
            int frames = plannedFrames(file, policy);
            return new ContextPlan.Item(file, kind, frames, (long) frames * VisionTokens.TOKENS_PER_FRAME, null);
        } catch (IOException | RuntimeException e) {
            return new ContextPlan.Item(file, kind, 0, 0, e.getMessage());
        }
    }

    private int plannedFrames(Path file, SamplingPolicy policy) throws IOException {
        String key = file.toAbsolutePath() + "|" + Files.size(file) + "|" + Files.getLastModifiedTime(file).toMillis()
                + "|" + policy;
        Integer known = plannedFrames.get(key);
        if (known == null) {
            known = IngestionJob.plannedFrames(file, policy);
            plannedFrames.put(key, known);
        }
        return known;
    }

    /** The router's explanation without the command-line advice that follows it; the plan carries its own fixes. */
    private static String withoutFlags(String message) {
        int cut = message.indexOf(". To make it fit:");
        return cut < 0 ? message : message.substring(0, cut);
    }

    private List<ContextPlan.Fix> fixes(List<ContextPlan.Item> items, long total, int maxNewTokens, long maxLocal) {
        List<ContextPlan.Fix> fixes = new ArrayList<>();
        long videoTokens = 0;
        int videos = 0;
        for (ContextPlan.Item item : items) {
            if (item.kind() == AttachmentKind.VIDEO && item.problem() == null) {
                videoTokens += item.tokens();
                videos++;
            }
        }
        long room = maxLocal - maxNewTokens - (total - videoTokens);
        int perVideo = videos == 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, room / videos / VisionTokens.TOKENS_PER_FRAME);
        if (perVideo >= 1) {
            fixes.add(new ContextPlan.Fix(ContextPlan.FixKind.FEWER_FRAMES, perVideo));
        }
        // Half precision frees memory, not context: offered only when the request is within the model's context.
        if (engines.precision() == Precision.F32 && total + maxNewTokens <= engines.footprint().maxSequenceLength()) {
            fixes.add(new ContextPlan.Fix(ContextPlan.FixKind.HALF_PRECISION, 0));
        }
        if (engines.remote() == null) {
            fixes.add(new ContextPlan.Fix(ContextPlan.FixKind.USE_BACKEND, 0));
        }
        return fixes;
    }

    // ------------------------------------------------------------------ turns

    /** Stores the question with its attachments, then answers it. */
    public TurnResult ask(long conversationId, String question, List<Path> files, SamplingPolicy policy,
            ChatOptions options, Consumer<ChatEvent> listener, CancellationToken cancel) throws IOException {
        if (question.isBlank() && files.isEmpty()) {
            throw new IllegalArgumentException("nothing to send: write a question or attach a file");
        }
        List<Attachment> attachments = new ArrayList<>();
        for (Path file : files) {
            attachments.add(describe(file, policy));
        }
        nameAfterFirstQuestion(conversationId, question);
        store.addQuestion(conversationId, question, attachments);
        return answer(conversationId, options, listener, cancel);
    }

    /** Drops the last answer and answers the last question again. */
    public TurnResult regenerate(long conversationId, ChatOptions options, Consumer<ChatEvent> listener,
            CancellationToken cancel) throws IOException {
        List<Message> messages = store.messages(conversationId);
        int lastQuestion = lastUserIndex(messages);
        store.truncate(conversationId, messages.get(lastQuestion).seq() + 1);
        return answer(conversationId, options, listener, cancel);
    }

    /** Replaces the question at {@code seq} (and everything after it) with {@code question}, same attachments. */
    public TurnResult editAndResend(long conversationId, int seq, String question, ChatOptions options,
            Consumer<ChatEvent> listener, CancellationToken cancel) throws IOException {
        Message edited = store.messages(conversationId).stream().filter(m -> m.seq() == seq && m.role() == Role.USER)
                .findFirst().orElseThrow(() -> new IllegalArgumentException("no question at position " + seq));
        store.truncate(conversationId, seq);
        store.addQuestion(conversationId, question, edited.attachments());
        return answer(conversationId, options, listener, cancel);
    }

    /** Answers the conversation's last question, streaming the answer into the store. */
    private TurnResult answer(long conversationId, ChatOptions options, Consumer<ChatEvent> listener,
            CancellationToken cancel) throws IOException {
        LlamaTokenizer tokenizer = engines.requireTokenizer("chat");
        List<Message> messages = store.messages(conversationId);
        List<Shaped> shapes = shapesOf(messages, true);
        Engines.Chosen chosen;
        try {
            chosen = engines.choose(promptOf(tokenizer, shapes).ids().length, options.maxNewTokens());
        } catch (DoesNotFitException e) {
            throw new IllegalStateException(withoutFlags(e.getMessage()) + "; fewer frames, a time range, half "
                    + "precision or a backend would make it fit", e);
        }
        listener.accept(new ChatEvent.Routed(chosen.decision()));
        long answerId = store.startAnswer(conversationId);
        StringBuilder text = new StringBuilder();
        try {
            VisionPrompt prompt = ConversationPrompt.build(tokenizer, turnsOf(shapes, chosen.decision().route(), listener, cancel));
            GenerationRequest request = GenerationRequest.of(prompt.ids(), options.maxNewTokens(), options.sampling())
                    .withVisionMask(prompt.visionMask());
            long[] lastSave = {System.nanoTime()};
            GenerationResult result = chosen.generate(request, event -> {
                if (event instanceof GenerationEvent.TokenGenerated token && !token.textDelta().isEmpty()) {
                    text.append(token.textDelta());
                    if (System.nanoTime() - lastSave[0] > SAVE_EVERY_NANOS) {
                        store.updateAnswer(answerId, text.toString());
                        lastSave[0] = System.nanoTime();
                    }
                }
                listener.accept(new ChatEvent.Generation(event));
            }, cancel);
            String answer = result.text() == null ? text.toString() : result.text().strip();
            Status status = result.stopReason() == StopReason.CANCELLED ? Status.STOPPED : Status.COMPLETE;
            int cached = chosen.decision().route() == Route.REMOTE ? engines.remote().lastCachedTokens() : 0;
            TurnStats stats = TurnStats.of(chosen.decision().route().name().toLowerCase(Locale.ROOT), result.stats(), cached);
            store.finishAnswer(answerId, answer, status, stats.toJson());
            return new TurnResult(answerId, answer, status, stats);
        } catch (CancellationException e) {
            store.finishAnswer(answerId, text.toString(), Status.STOPPED, null);
            return new TurnResult(answerId, text.toString(), Status.STOPPED, null);
        } catch (IOException | RuntimeException e) {
            store.finishAnswer(answerId, text.toString(), Status.FAILED, failure(e));
            throw e;
        }
    }

    private static String failure(Exception e) {
        ObjectNode node = JSON.createObjectNode();
        node.put("error", String.valueOf(e.getMessage()));
        return node.toString();
    }

    private static int lastUserIndex(List<Message> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == Role.USER) {
                return i;
            }
        }
        throw new IllegalArgumentException("the conversation has no question to answer");
    }

    private void nameAfterFirstQuestion(long conversationId, String question) {
        if (!store.messages(conversationId).isEmpty() || question.isBlank()) {
            return;
        }
        String line = question.strip().lines().findFirst().orElse("");
        store.rename(conversationId, line.length() <= 48 ? line : line.substring(0, 47) + "…");
    }

    // ------------------------------------------------------------------ attachments

    private Attachment describe(Path file, SamplingPolicy policy) throws IOException {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(file + ": not a readable file");
        }
        AttachmentKind kind = AttachmentKind.of(file);
        ObjectNode probe = JSON.createObjectNode();
        if (kind.visual()) {
            probe.put("frames", kind == AttachmentKind.IMAGE ? 1 : plannedFrames(file, policy));
            probe.set("policy", PolicyCodec.toJson(policy));
        }
        return new Attachment(file.toAbsolutePath().toString(), Files.size(file), ContentHash.sha256(file),
                kind.name().toLowerCase(Locale.ROOT), probe.toString());
    }

    static String readDocument(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_TEXT_BYTES) {
            throw new IllegalArgumentException(file + ": a " + (size >> 20) + " MiB text document; at most "
                    + (MAX_TEXT_BYTES >> 20) + " MiB is read into a prompt");
        }
        return Files.readString(file).strip();
    }

    private static String withDocuments(CharSequence documents, String question) {
        return documents.length() == 0 ? question : documents + question;
    }

    // ------------------------------------------------------------------ prompt layout

    /** A turn with its attachments as frame counts (for planning) or codes, and its answer when it has one. */
    private record Shaped(Message source, String question, List<Integer> frames, String answer) {}

    /**
     * The stored conversation as turns; questions whose answer came out empty are left out of the context.
     *
     * @param lastIsAsked whether the last question is the one being answered now
     */
    private List<Shaped> shapesOf(List<Message> messages, boolean lastIsAsked) {
        List<Shaped> turns = new ArrayList<>();
        int lastQuestion = lastIsAsked ? lastUserIndex(messages) : -1;
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (m.role() != Role.USER) {
                continue;
            }
            String answer = i + 1 < messages.size() && messages.get(i + 1).role() == Role.ASSISTANT
                    ? messages.get(i + 1).text() : null;
            boolean last = i == lastQuestion;
            if (!last && (answer == null || answer.isBlank())) {
                continue;
            }
            StringBuilder documents = new StringBuilder();
            List<Integer> frames = new ArrayList<>();
            for (Attachment a : m.attachments()) {
                if (a.kind().equals("text")) {
                    documents.append(safeDocument(a)).append("\n\n");
                } else {
                    frames.add(readProbe(a).path("frames").asInt(1));
                }
            }
            turns.add(new Shaped(m, withDocuments(documents, m.text()), frames, last ? null : answer));
        }
        return turns;
    }

    private static String safeDocument(Attachment a) {
        try {
            return readDocument(Path.of(a.path()));
        } catch (IOException e) {
            throw new IllegalArgumentException(a.path() + ": this conversation's document cannot be read ("
                    + e.getMessage() + ")");
        }
    }

    /** The conversation with placeholder codes: its exact length, known before any frame is decoded. */
    private static VisionPrompt promptOf(LlamaTokenizer tokenizer, List<Shaped> shapes) {
        List<ConversationPrompt.Turn> turns = new ArrayList<>();
        for (Shaped s : shapes) {
            List<List<int[]>> attachments = new ArrayList<>();
            s.frames().forEach(n -> attachments.add(Collections.nCopies(n, PLACEHOLDER_FRAME)));
            turns.add(new ConversationPrompt.Turn(s.question(), attachments, s.answer(), null));
        }
        return ConversationPrompt.build(tokenizer, turns);
    }

    /** The conversation with every image and video encoded (from the code cache when it was seen before). */
    private List<ConversationPrompt.Turn> turnsOf(List<Shaped> shapes, Route route, Consumer<ChatEvent> listener,
            CancellationToken cancel) throws IOException {
        List<ConversationPrompt.Turn> turns = new ArrayList<>();
        for (Shaped s : shapes) {
            List<List<int[]>> attachments = new ArrayList<>();
            for (Attachment a : s.source().attachments()) {
                if (!a.kind().equals("text")) {
                    attachments.add(List.of(codesOf(a, route, listener, cancel).codes()));
                }
            }
            turns.add(new ConversationPrompt.Turn(s.question(), attachments, s.answer(), null));
        }
        return turns;
    }

    private CachedCodes codesOf(Attachment a, Route route, Consumer<ChatEvent> listener, CancellationToken cancel)
            throws IOException {
        Path file = Path.of(a.path());
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": this conversation's attachment is no longer there "
                    + "(moved or deleted)");
        }
        SamplingPolicy policy = PolicyCodec.fromJson(readProbe(a).path("policy"));
        return encoder.encode(file, policy, route, event -> listener.accept(new ChatEvent.Ingestion(event)), cancel);
    }

    private static JsonNode readProbe(Attachment a) {
        try {
            return a.probe() == null ? JSON.createObjectNode() : JSON.readTree(a.probe());
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    /** Closes the attachment encoder's VQGAN; the engines and the store belong to the caller. */
    @Override
    public void close() {
        encoder.close();
    }
}
