package lwm.test.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import lwm.app.chat.ChatEvent;
import lwm.app.chat.ChatOptions;
import lwm.app.chat.ChatService;
import lwm.app.chat.ContextPlan;
import lwm.app.engine.EngineSettings;
import lwm.app.engine.Engines;
import lwm.app.ingest.AttachmentEncoder;
import lwm.app.ingest.IngestionEvent;
import lwm.app.model.DemoModel;
import lwm.app.store.ConversationStore;
import lwm.app.store.Message;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.SamplingParams;
import lwm.engine.route.EngineRouter;
import lwm.engine.route.Route;
import lwm.media.SamplingPolicy;
import lwm.test.ShapeScenes;
import lwm.test.ShapeScenes.Kind;
import lwm.test.ShapeScenes.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The chat use case on the demo model and a real SQLite store: plan, ask, follow up, regenerate, edit, refuse. */
@Timeout(300)
class ChatServiceTest {
    private static final ChatOptions GREEDY = new ChatOptions(24, SamplingParams.greedyDecoding());

    @TempDir
    Path dir;

    private ChatService service(long budget) throws Exception {
        Engines engines = new Engines(new EngineSettings(DemoModel.locate(), null, null, EngineRouter.Mode.AUTO, budget));
        return new ChatService(engines, ConversationStore.open(dir.resolve("chats.db")),
                new AttachmentEncoder(engines, dir.resolve("codes")));
    }

    private Path redSquare() throws Exception {
        return ShapeScenes.png(dir.resolve("red square.png"), new Color(128, 128, 128),
                List.of(Shape.still(Kind.SQUARE, new Color(220, 20, 30), 128, 128, 110)));
    }

    @Test
    void aQuestionAboutAnImageIsAnsweredStoredAndItsFollowUpReusesTheCodes() throws Exception {
        ChatService chat = service(0);
        long id = chat.store().createConversation("New chat").id();
        Path image = redSquare();
        ContextPlan plan = chat.plan(id, "What color is the square?", List.of(image), SamplingPolicy.lwm(8), 24);
        assertTrue(plan.fits(), String.valueOf(plan));
        assertEquals(257, plan.items().get(0).tokens());
        assertEquals(Route.LOCAL, plan.decision().route());

        List<ChatEvent> events = new ArrayList<>();
        var first = chat.ask(id, "What color is the square?", List.of(image), SamplingPolicy.lwm(8), GREEDY,
                events::add, new CancellationToken());
        assertTrue(first.text().toLowerCase(Locale.ROOT).contains("red"), first.text());
        assertEquals(Route.LOCAL, ((ChatEvent.Routed) events.get(0)).decision().route());
        assertTrue(events.stream().anyMatch(e -> e instanceof ChatEvent.Ingestion i && i.event() instanceof IngestionEvent.Planned));
        assertEquals(plan.totalTokens(), first.stats().promptTokens(), "the plan's count is the prompt's exact length");

        events.clear();
        var followUp = chat.ask(id, "What shape is it?", List.of(), SamplingPolicy.lwm(8), GREEDY, events::add,
                new CancellationToken());
        assertTrue(events.stream().anyMatch(e -> e instanceof ChatEvent.Ingestion i && i.event() instanceof IngestionEvent.CacheHit),
                "the follow-up found the image's codes in the cache");
        assertTrue(followUp.stats().promptTokens() > first.stats().promptTokens() + first.stats().generatedTokens());

        List<Message> messages = chat.store().messages(id);
        assertEquals(4, messages.size());
        assertEquals("What color is the square?", chat.store().conversations().get(0).title());
        assertEquals(image.toAbsolutePath().toString(), messages.get(0).attachments().get(0).path());
        assertEquals(Message.Status.COMPLETE, messages.get(3).status());
        assertTrue(messages.get(3).stats().contains("\"route\":\"local\""), messages.get(3).stats());
    }

    @Test
    void regenerateReplacesTheLastAnswerAndEditResendsFromTheEditedQuestion() throws Exception {
        ChatService chat = service(0);
        long id = chat.store().createConversation("New chat").id();
        chat.ask(id, "What color is the square?", List.of(redSquare()), SamplingPolicy.lwm(8), GREEDY, e -> {}, new CancellationToken());
        chat.ask(id, "What shape is it?", List.of(), SamplingPolicy.lwm(8), GREEDY, e -> {}, new CancellationToken());
        chat.regenerate(id, GREEDY, e -> {}, new CancellationToken());
        assertEquals(4, chat.store().messages(id).size());

        chat.editAndResend(id, 0, "How many objects are there?", GREEDY, e -> {}, new CancellationToken());
        List<Message> messages = chat.store().messages(id);
        assertEquals(2, messages.size());
        assertEquals("How many objects are there?", messages.get(0).text());
        assertEquals(1, messages.get(0).attachments().size(), "the edited question keeps its attachment");
    }

    @Test
    void aStoppedAnswerIsKeptAsStopped() throws Exception {
        ChatService chat = service(0);
        long id = chat.store().createConversation("New chat").id();
        CancellationToken cancel = new CancellationToken();
        var result = chat.ask(id, "Tell me about the world.", List.of(), SamplingPolicy.lwm(8),
                new ChatOptions(200, SamplingParams.greedyDecoding()), e -> {
                    if (e instanceof ChatEvent.Generation g && g.event() instanceof lwm.engine.generate.GenerationEvent.TokenGenerated t
                            && t.index() >= 0) {
                        cancel.cancel();
                    }
                }, cancel);
        assertEquals(Message.Status.STOPPED, result.status());
        assertEquals(Message.Status.STOPPED, chat.store().messages(id).get(1).status());
    }

    @Test
    void aVideoTooLongForTheBudgetIsPlannedWithFewerFramesThatFit() throws Exception {
        Path clip = ShapeScenes.mp4(dir.resolve("clip.mp4"), new Color(128, 128, 128),
                List.of(new Shape(Kind.CIRCLE, new Color(30, 60, 220), 60, 128, 50, 20, 0)), 24);
        ChatService roomy = service(0);
        long all = roomy.plan(-1, "Which way does the circle move?", List.of(clip), SamplingPolicy.lwm(24), 24).totalTokens();
        // The demo model's weights and the KV cache of ~10 frames, not of 24.
        ChatService tight = service(tightBudget(roomy, 10 * 257 + 200));
        ContextPlan plan = tight.plan(-1, "Which way does the circle move?", List.of(clip), SamplingPolicy.lwm(24), 24);
        assertFalse(plan.fits());
        assertNull(plan.decision());
        assertEquals(all, plan.totalTokens());
        assertNotNull(plan.problem());
        ContextPlan.Fix fewer = plan.fixes().get(0);
        assertEquals(ContextPlan.FixKind.FEWER_FRAMES, fewer.kind());
        assertTrue(fewer.frames() >= 5 && fewer.frames() < 24, String.valueOf(fewer));
        assertTrue(tight.plan(-1, "Which way does the circle move?", List.of(clip), SamplingPolicy.lwm(fewer.frames()), 24).fits());
        assertTrue(plan.fixes().stream().anyMatch(f -> f.kind() == ContextPlan.FixKind.USE_BACKEND));
        assertTrue(plan.fixes().stream().anyMatch(f -> f.kind() == ContextPlan.FixKind.HALF_PRECISION),
                "within the context, f16 would free the memory");
        ContextPlan overContext = roomy.plan(-1, "Which way does the circle move?", List.of(clip), SamplingPolicy.lwm(24),
                4000);
        assertFalse(overContext.fits(), "24 frames and 4000 new tokens exceed the demo model's 8192");
        assertTrue(overContext.fixes().stream().noneMatch(f -> f.kind() == ContextPlan.FixKind.HALF_PRECISION),
                "f16 does not lengthen the context: " + overContext.fixes());
    }

    @Test
    void badAttachmentsAreNamedInThePlanAndRefusedOnSend() throws Exception {
        ChatService chat = service(0);
        Path broken = Files.write(dir.resolve("broken.mp4"), new byte[] {0, 0, 0, 24, 'f', 't', 'y', 'p', 1, 2});
        ContextPlan plan = chat.plan(-1, "What is this?", List.of(broken), SamplingPolicy.lwm(8), 24);
        assertFalse(plan.fits());
        assertTrue(plan.items().get(0).problem().contains("broken.mp4"), plan.items().get(0).problem());
        long id = chat.store().createConversation("New chat").id();
        Exception e = assertThrows(Exception.class, () -> chat.ask(id, "What is this?", List.of(broken),
                SamplingPolicy.lwm(8), GREEDY, ev -> {}, new CancellationToken()));
        assertTrue(e.getMessage().contains("broken.mp4"), e.getMessage());
        assertTrue(chat.store().messages(id).isEmpty(), "a refused question is not stored");
    }

    /** A budget that holds the demo model's weights plus {@code tokens} tokens of KV cache. */
    private static long tightBudget(ChatService chat, long tokens) {
        var footprint = chat.engines().footprint();
        return footprint.bytesFor(tokens, chat.engines().precision());
    }
}
