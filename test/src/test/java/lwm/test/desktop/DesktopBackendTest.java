package lwm.test.desktop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.scene.input.KeyCode;
import lwm.app.model.DemoModel;
import lwm.app.settings.Settings;
import lwm.app.store.Message;
import lwm.test.BackendProcess;
import lwm.test.ShapeScenes;
import lwm.test.ShapeScenes.Kind;
import lwm.test.ShapeScenes.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testfx.api.FxRobot;

/** A question too big for the local budget runs on the real backend process on loopback, and says so. */
@Timeout(400)
class DesktopBackendTest extends DesktopTest {

    @Test
    void aRequestOverTheLocalBudgetIsRoutedToTheBackend(FxRobot robot) throws Exception {
        try (BackendProcess backend = BackendProcess.start(DemoModel.locate(), 1, 0, "desktop-token", dir)) {
            var engines = desktop.workspace.chat().engines();
            long tooSmall = engines.footprint().bytesFor(0, engines.precision()) / 2; // not even the weights fit
            desktop.workspace.apply(new Settings(List.of(), null, backend.url(), Long.toString(tooSmall), null,
                    Settings.Theme.LIGHT), Files.readString(dir.resolve("backend-token")));
            Path image = ShapeScenes.png(dir.resolve("blue-circle.png"), new Color(228, 214, 178),
                    List.of(Shape.still(Kind.CIRCLE, new Color(30, 60, 220), 120, 140, 90)));
            robot.interact(() -> desktop.window.chat().addAttachments(List.of(image)));
            robot.clickOn("#composer").write("What color is the circle?");
            DesktopHarness.await("the route", 60,
                    () -> "Runs on the backend".equals(robot.lookup("#plan-route").queryLabeled().getText()));
            robot.type(KeyCode.ENTER);
            desktop.awaitIdle(300);
            assertEquals("", desktop.window.chat().errorProperty().get(), backend.log());
            var messages = desktop.workspace.store().messages(desktop.workspace.store().conversations().get(0).id());
            assertEquals(Message.Status.COMPLETE, messages.get(1).status());
            assertTrue(messages.get(1).stats().contains("\"route\":\"remote\""), messages.get(1).stats());
            assertTrue(desktop.window.chat().messages().get(1).detailsProperty().get().startsWith("remote ·"));
        }
    }
}
