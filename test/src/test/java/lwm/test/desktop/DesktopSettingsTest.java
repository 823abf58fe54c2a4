package lwm.test.desktop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import javafx.scene.control.Spinner;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.TilePane;
import javafx.stage.Stage;
import lwm.app.settings.SettingsFile;
import lwm.test.ShapeScenes;
import lwm.test.ShapeScenes.Kind;
import lwm.test.ShapeScenes.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** The first run, the settings window and the video inspector, on a new user's data folder. */
@ExtendWith(ApplicationExtension.class)
@Timeout(180)
class DesktopSettingsTest {
    @TempDir
    Path dir;

    private DesktopHarness desktop;

    @Start
    void start(Stage stage) throws Exception {
        desktop = DesktopHarness.fresh(dir.resolve("data"));
        desktop.open(stage);
    }

    @AfterEach
    void close() {
        desktop.close();
    }

    private void useTheDemoModel(FxRobot robot) throws Exception {
        robot.clickOn("Use the demo model");
        DesktopHarness.await("the settings to be saved", 10, () -> Files.exists(dir.resolve("data/settings.json")));
    }

    @Test
    void theFirstRunAsksForAModelAndRemembersTheAnswer(FxRobot robot) throws Exception {
        assertTrue(desktop.workspace.firstRun());
        useTheDemoModel(robot);
        assertNull(new SettingsFile(dir.resolve("data/settings.json")).load().settings().activeModel());
        assertTrue(robot.lookup("#active-model").queryLabeled().getText().contains("demo model"));
    }

    @Test
    void settingsRefuseABadBudgetAndKeepTheTokenOutOfTheSettingsFile(FxRobot robot) throws Exception {
        useTheDemoModel(robot);
        robot.clickOn("#open-settings");
        DesktopHarness.await("the model summary", 30,
                () -> robot.lookup("#model-summary").queryLabeled().getText().contains("fits this machine"));
        assertTrue(robot.lookup("#model-summary").queryLabeled().getText().startsWith("LWM Jax params"));
        robot.clickOn("#memory-budget").write("lots");
        robot.clickOn("Save");
        assertTrue(robot.lookup("#settings-problem").queryLabeled().getText().startsWith("Memory budget"),
                robot.lookup("#settings-problem").queryLabeled().getText());
        robot.doubleClickOn("#memory-budget").push(KeyCode.CONTROL, KeyCode.A).write("12G");
        robot.clickOn("#backend-url").write("http://127.0.0.1:9");
        robot.clickOn("#backend-token").write("s3cret-token");
        robot.clickOn("Save");
        DesktopHarness.await("the settings", 10, () -> "12G".equals(desktop.workspace.settings().memoryBudget()));
        String json = Files.readString(dir.resolve("data/settings.json"));
        assertTrue(json.contains("http://127.0.0.1:9") && !json.contains("s3cret"), json);
        Path token = dir.resolve("data/backend-token");
        assertEquals("s3cret-token", Files.readString(token).strip());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(token)));
        assertFalse(Files.readString(dir.resolve("data/conversations.db"), java.nio.charset.StandardCharsets.ISO_8859_1)
                .contains("s3cret"));
    }

    @Test
    void theInspectorShowsTheFramesTheModelSeesAndAppliesTheCount(FxRobot robot) throws Exception {
        useTheDemoModel(robot);
        Path clip = ShapeScenes.mp4(dir.resolve("moving.mp4"), new Color(128, 128, 128),
                List.of(new Shape(Kind.SQUARE, new Color(220, 20, 30), 40, 128, 50, 8, 0)), 20);
        robot.interact(() -> desktop.window.chat().addAttachments(List.of(clip)));
        DesktopHarness.await("the chip", 30, () -> robot.lookup(".attachment .file-chip").queryLabeled().getText().contains("257"));
        robot.clickOn(".attachment .file-chip");
        TilePane sheet = robot.lookup("#contact-sheet").queryAs(TilePane.class);
        DesktopHarness.await("8 frames", 30, () -> sheet.getChildren().size() == 8);
        assertTrue(robot.lookup("#inspector-probe").queryLabeled().getText().contains("20 frames"));
        Spinner<?> frames = robot.lookup("#inspector-frames").queryAs(Spinner.class);
        robot.interact(() -> ((Spinner<Integer>) frames).getValueFactory().setValue(4));
        DesktopHarness.await("4 frames", 30, () -> sheet.getChildren().size() == 4
                && robot.lookup("#inspector-estimate").queryLabeled().getText().equals("4 frames × 257 = 1028 tokens"));
        robot.clickOn("Use these frames");
        DesktopHarness.await("the plan with 4 frames", 30,
                () -> robot.lookup(".attachment .file-chip").queryLabeled().getText().contains("4 × 257 = 1028 tokens"));
        assertEquals(4, desktop.window.chat().framesPerVideoProperty().get());
    }
}
