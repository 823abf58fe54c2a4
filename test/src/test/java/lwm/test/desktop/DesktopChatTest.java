package lwm.test.desktop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javafx.scene.control.ListView;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import lwm.app.settings.Settings;
import lwm.app.store.Conversation;
import lwm.app.store.ConversationStore;
import lwm.app.store.Message;
import lwm.test.ShapeScenes;
import lwm.test.ShapeScenes.Kind;
import lwm.test.ShapeScenes.Shape;
import lwm.ui.chat.MessageItem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

/** The chat screen driven as a user drives it, on the demo model, a real SQLite store and files drawn by the test. */
@Timeout(300)
class DesktopChatTest extends DesktopTest {

    private Path redSquare() throws Exception {
        return ShapeScenes.png(dir.resolve("red-square.png"), new Color(128, 128, 128),
                List.of(Shape.still(Kind.SQUARE, new Color(220, 20, 30), 128, 128, 110)));
    }

    private void attach(FxRobot robot, Path... files) {
        // What the window's drop handler and the file picker do with the files they get.
        robot.interact(() -> desktop.window.chat().addAttachments(List.of(files)));
    }

    private List<MessageItem> thread(FxRobot robot) {
        return robot.lookup("#thread").queryListView().getItems().stream().map(MessageItem.class::cast).toList();
    }

    @Test
    void anImageQuestionStreamsAnAnswerThatIsStoredWithItsFigures(FxRobot robot) throws Exception {
        attach(robot, redSquare());
        robot.clickOn("#composer").write("What color is the square?");
        DesktopHarness.await("the plan", 30, () -> robot.lookup("#planner").queryAll().stream().findFirst().isPresent()
                && robot.lookup(".attachment .file-chip").queryLabeled().getText().contains("1 × 257 = 257 tokens"));
        assertEquals("Runs locally", robot.lookup("#plan-route").queryLabeled().getText());
        robot.type(KeyCode.ENTER);
        desktop.awaitIdle(120);

        List<MessageItem> items = thread(robot);
        assertEquals(2, items.size());
        assertEquals(List.of("red-square.png"), items.get(0).attachments());
        String answer = items.get(1).textProperty().get().toLowerCase(Locale.ROOT);
        assertTrue(answer.contains("red"), answer);
        assertTrue(items.get(1).detailsProperty().get().startsWith("local · first token"), items.get(1).detailsProperty().get());
        assertEquals("", robot.lookup("#composer").queryTextInputControl().getText(), "the composer is cleared");

        ConversationStore store = desktop.workspace.store();
        Conversation c = store.conversations().get(0);
        assertEquals("What color is the square?", c.title());
        assertEquals(Message.Status.COMPLETE, store.messages(c.id()).get(1).status());

        robot.clickOn("#composer").write("What shape is it?").type(KeyCode.ENTER);
        desktop.awaitIdle(120);
        assertEquals(4, thread(robot).size());
        robot.clickOn(robot.lookup(".message-action").match(n -> n.isVisible()
                && "Regenerate".equals(((javafx.scene.control.Button) n).getAccessibleText())).queryButton());
        desktop.awaitIdle(120);
        assertEquals(4, store.messages(c.id()).size(), "regenerate replaced the last answer");
    }

    @Test
    void stopCancelsATurnWhileItsVideoIsEncoded(FxRobot robot) throws Exception {
        Path clip = ShapeScenes.mp4(dir.resolve("long.mp4"), new Color(128, 128, 128),
                List.of(new Shape(Kind.CIRCLE, new Color(30, 60, 220), 20, 128, 40, 2, 0)), 24);
        robot.interact(() -> desktop.window.chat().framesPerVideoProperty().set(24)); // the demo model holds 8192 tokens
        attach(robot, clip);
        robot.clickOn("#composer").write("Which way does the circle move?").type(KeyCode.ENTER);
        DesktopHarness.await("decoding to start (" + desktop.window.chat().stageProperty().get() + ")", 60, () -> desktop.window.chat().stageProperty().get().startsWith("Decoding"));
        robot.clickOn("#stop");
        desktop.awaitIdle(60);
        Message answer = desktop.workspace.store().messages(desktop.workspace.store().conversations().get(0).id()).get(1);
        assertEquals(Message.Status.STOPPED, answer.status());
        assertTrue(thread(robot).get(1).detailsProperty().get().startsWith("stopped"), thread(robot).get(1).detailsProperty().get());
        assertEquals("", desktop.window.chat().errorProperty().get());
    }

    @Test
    void conversationsAreSearchedRenamedAndDeleted(FxRobot robot) throws Exception {
        ConversationStore store = desktop.workspace.store();
        Conversation apples = store.createConversation("Fruit");
        store.addQuestion(apples.id(), "Where do apples grow?", List.of());
        Conversation boats = store.createConversation("Boats");
        store.addQuestion(boats.id(), "How do sailing boats tack?", List.of());
        robot.interact(() -> desktop.window.chat().reloadConversations());
        WaitForAsyncUtils.waitForFxEvents();
        ListView<?> list = robot.lookup("#conversations").queryAs(ListView.class);
        DesktopHarness.await("two conversations", 10, () -> list.getItems().size() == 2);

        robot.clickOn("#search").write("apples");
        DesktopHarness.await("the search", 10, () -> list.getItems().size() == 1);
        assertEquals("Fruit", ((Conversation) list.getItems().get(0)).title());

        robot.clickOn("Fruit").type(KeyCode.F2);
        robot.clickOn(robot.lookup(".dialog-pane .text-field").queryTextInputControl());
        robot.push(KeyCode.CONTROL, KeyCode.A).write("Orchards").type(KeyCode.ENTER);
        DesktopHarness.await("the rename " + store.conversations(), 10, () -> store.conversations().stream().anyMatch(c -> c.title().equals("Orchards")));
        robot.doubleClickOn("#search").eraseText(6);
        DesktopHarness.await("both again", 10, () -> list.getItems().size() == 2);

        robot.clickOn("Boats").type(KeyCode.DELETE);
        robot.clickOn("OK");
        DesktopHarness.await("the delete", 10, () -> store.conversations().size() == 1);
        assertEquals("Orchards", store.conversations().get(0).title());
    }

    @Test
    void aVideoTooLongForTheBudgetOffersFewerFramesInOneClick(FxRobot robot) throws Exception {
        Path clip = ShapeScenes.mp4(dir.resolve("moving.mp4"), new Color(128, 128, 128),
                List.of(new Shape(Kind.CIRCLE, new Color(30, 60, 220), 60, 128, 50, 20, 0)), 24);
        var engines = desktop.workspace.chat().engines();
        long budget = engines.footprint().bytesFor(10 * 257 + 600, engines.precision());
        Settings tight = new Settings(List.of(), null, null, Long.toString(budget), null, Settings.Theme.LIGHT);
        desktop.workspace.apply(tight, null);
        robot.interact(() -> desktop.window.chat().framesPerVideoProperty().set(24));
        attach(robot, clip);
        robot.clickOn("#composer").write("Which way does the circle move?");
        DesktopHarness.await("the refusal", 30, () -> !desktop.window.chat().planningProperty().get() && "Does not fit".equals(robot.lookup("#plan-route").queryLabeled().getText()));
        assertFalse(robot.lookup("#plan-problem").queryLabeled().getText().isEmpty());
        javafx.scene.control.Button fewer = robot.lookup(".fix").match(n -> ((javafx.scene.control.Labeled) n).getText().startsWith("Use "))
                .queryButton();
        robot.clickOn(fewer);
        DesktopHarness.await("the plan to fit", 30, () -> "Runs locally".equals(robot.lookup("#plan-route").queryLabeled().getText()));
        int frames = desktop.window.chat().framesPerVideoProperty().get();
        assertTrue(frames >= 1 && frames < 24, "frames: " + frames);
        assertTrue(robot.lookup(".attachment .file-chip").queryLabeled().getText().contains(frames + " × 257"));
    }

    @Test
    void filesPastedIntoTheComposerAreAttachedAndFoldersRefused(FxRobot robot) throws Exception {
        Path image = redSquare();
        robot.interact(() -> {
            javafx.scene.input.ClipboardContent content = new javafx.scene.input.ClipboardContent();
            content.putFiles(List.of(image.toFile()));
            javafx.scene.input.Clipboard.getSystemClipboard().setContent(content);
        });
        robot.clickOn("#composer").press(KeyCode.CONTROL).type(KeyCode.V).release(KeyCode.CONTROL);
        DesktopHarness.await("the pasted file", 10, () -> desktop.window.chat().attachments().equals(List.of(image)));
        attach(robot, dir);
        assertTrue(desktop.window.chat().errorProperty().get().contains("not a file"),
                desktop.window.chat().errorProperty().get());
        assertEquals(List.of(image), desktop.window.chat().attachments());
    }

    @Test
    void weightsTooBigInF32AreLoadedInF16InOneClick(FxRobot robot) throws Exception {
        var engines = desktop.workspace.chat().engines();
        assertEquals(lwm.engine.model.Precision.F32, engines.precision(), "the demo model loads in f32 by default");
        long budget = engines.footprint().bytesFor(2000, lwm.engine.model.Precision.F16); // f16 fits, f32 does not
        desktop.workspace.apply(new Settings(List.of(), null, null, Long.toString(budget), null, Settings.Theme.LIGHT), null);
        attach(robot, redSquare());
        robot.clickOn("#composer").write("What color is the square?");
        DesktopHarness.await("the refusal", 30, () -> !desktop.window.chat().planningProperty().get() && "Does not fit".equals(robot.lookup("#plan-route").queryLabeled().getText()));
        robot.clickOn("Load the weights in f16");
        DesktopHarness.await("the plan to fit", 30, () -> "Runs locally".equals(robot.lookup("#plan-route").queryLabeled().getText()));
        assertEquals("f16", desktop.workspace.settings().precision());
        robot.clickOn("#composer").type(KeyCode.ENTER);
        desktop.awaitIdle(120);
        assertTrue(thread(robot).get(1).textProperty().get().toLowerCase(Locale.ROOT).contains("red"),
                thread(robot).get(1).textProperty().get());
    }

    @Test
    void anAnswerCutOffByACrashIsShownInterrupted(FxRobot robot) throws Exception {
        Path data = dir.resolve("crashed");
        try (ConversationStore store = ConversationStore.open(Files.createDirectories(data).resolve("conversations.db"))) {
            Conversation c = store.createConversation("Before the crash");
            store.addQuestion(c.id(), "What color is the square?", List.of());
            long answer = store.startAnswer(c.id());
            store.updateAnswer(answer, "The square is");
            // closed without finishing the answer, as a killed process leaves it
        }
        try (DesktopHarness reopened = DesktopHarness.withSettings(data, Settings.defaults())) {
            robot.interact(() -> reopened.open(new Stage()));
            DesktopHarness.await("the window", 10, () -> reopened.window.chat().conversations().size() == 1);
            robot.interact(() -> reopened.window.chat().selectedProperty().set(reopened.window.chat().conversations().get(0)));
            DesktopHarness.await("the thread", 10, () -> reopened.window.chat().messages().size() == 2);
            MessageItem answer = reopened.window.chat().messages().get(1);
            assertEquals("The square is", answer.textProperty().get());
            assertEquals(Message.Status.INTERRUPTED, answer.statusProperty().get());
            assertTrue(answer.detailsProperty().get().startsWith("interrupted"), answer.detailsProperty().get());
            robot.interact(() -> reopened.window.scene().getWindow().hide());
        }
    }
}
