package lwm.test.desktop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.scene.control.Spinner;
import javafx.scene.layout.Region;
import lwm.app.store.NeedleCell;
import lwm.app.store.NeedleRun;
import lwm.test.ShapeScenes;
import lwm.ui.needle.NeedleLabViewModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

/** The needle lab driven as a user drives it, on the demo model, its bundled haystack and a real store. */
@Timeout(300)
class DesktopNeedleTest extends DesktopTest {
    private NeedleLabViewModel lab() {
        return desktop.window.needles();
    }

    @SuppressWarnings("unchecked")
    private void set(FxRobot robot, String spinner, int value) {
        Spinner<Integer> s = robot.lookup("#" + spinner).query();
        robot.interact(() -> s.getValueFactory().setValue(value));
    }

    private void grid(FxRobot robot, int min, int max, int lengths, int depths) {
        robot.clickOn("#screen-needles");
        set(robot, "needle-min", min);
        set(robot, "needle-max", max);
        set(robot, "needle-lengths", lengths);
        set(robot, "needle-depths", depths);
    }

    private void awaitIdle() throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        DesktopHarness.await("the run to end", 240, () -> !lab().busyProperty().get());
        Thread.sleep(300); // the runs list and the cells reload after it
        WaitForAsyncUtils.waitForFxEvents();
    }

    private List<NeedleRun> runs() {
        return desktop.workspace.store().needles().runs();
    }

    @Test
    void aRunFillsTheHeatmapCellByCellAndIsStored(FxRobot robot) throws Exception {
        grid(robot, 600, 900, 2, 2);
        robot.clickOn("#needle-run");
        awaitIdle();
        NeedleRun run = runs().get(0);
        assertEquals(NeedleRun.Status.DONE, run.status());
        List<NeedleCell> cells = desktop.workspace.store().needles().cells(run.id());
        assertEquals(4, cells.size());
        for (String id : new String[] {"#cell-600-0", "#cell-600-100", "#cell-900-0", "#cell-900-100"}) {
            Region cell = robot.lookup(id).query();
            assertTrue(cell.getStyle().contains("-fx-background-color: #"), id + " is coloured: " + cell.getStyle());
        }
        assertTrue(robot.lookup("#needle-summary").queryLabeled().getText().startsWith("4 cells"));
        assertTrue(robot.lookup("#needle-status").queryLabeled().getText().startsWith("done · 4 cells"),
                robot.lookup("#needle-status").queryLabeled().getText());
        assertEquals(run.title(), robot.lookup("#needle-title").queryLabeled().getText());

        Path csv = dir.resolve("heat.csv");
        robot.interact(() -> lab().export(NeedleLabViewModel.Export.CSV, csv));
        DesktopHarness.await("the CSV", 10, () -> Files.exists(csv));
        assertEquals(5, Files.readAllLines(csv).size());
    }

    @Test
    void aStoppedRunResumesWithTheCellsItLacks(FxRobot robot) throws Exception {
        grid(robot, 600, 900, 2, 3);
        robot.clickOn("#needle-run");
        DesktopHarness.await("the first cell", 120, () -> lab().cells().size() >= 1);
        robot.clickOn("#needle-stop");
        awaitIdle();
        NeedleRun stopped = runs().get(0);
        assertEquals(NeedleRun.Status.STOPPED, stopped.status());
        int kept = desktop.workspace.store().needles().cells(stopped.id()).size();
        assertTrue(kept >= 1 && kept < 6, "cells kept: " + kept);
        assertFalse(robot.lookup("#needle-resume").query().isDisabled());

        robot.clickOn("#needle-resume");
        awaitIdle();
        assertEquals(NeedleRun.Status.DONE, desktop.workspace.store().needles().run(stopped.id()).status());
        assertEquals(6, desktop.workspace.store().needles().cells(stopped.id()).size());
        assertEquals(1, runs().size(), "resuming continues the same run");
    }

    @Test
    void aVideoNeedleRunsOverFrameCountsAndSaysSoOnItsAxis(FxRobot robot) throws Exception {
        Path clip = ShapeScenes.mp4(dir.resolve("circles.mp4"), new Color(228, 214, 178),
                List.of(new ShapeScenes.Shape(ShapeScenes.Kind.CIRCLE, new Color(30, 60, 220), 40, 128, 60, 4.5, 0)), 30);
        Path picture = ShapeScenes.png(dir.resolve("red-square.png"), new Color(128, 128, 128),
                List.of(ShapeScenes.Shape.still(ShapeScenes.Kind.SQUARE, new Color(220, 20, 30), 128, 128, 110)));
        robot.clickOn("#screen-needles");
        robot.clickOn("#needle-video");
        assertFalse(robot.lookup("#needle-haystack-row").query().isVisible(), "a video needle has no text haystack");
        robot.interact(() -> {
            lab().clipProperty().set(clip);
            lab().pictureProperty().set(picture);
        });
        assertEquals("circles.mp4", robot.lookup("#needle-clip").queryLabeled().getText());
        grid(robot, 2, 6, 2, 2);
        robot.clickOn("#needle-run");
        awaitIdle();
        NeedleRun run = runs().get(0);
        assertEquals(NeedleRun.Status.DONE, run.status(), lab().errorProperty().get());
        assertEquals(4, desktop.workspace.store().needles().cells(run.id()).size());
        assertTrue(robot.lookup(".heatmap-axis").queryAll().stream().anyMatch(n -> ((javafx.scene.control.Label) n)
                .getText().equals("Context length (haystack frames) →")));
        assertTrue(robot.lookup("#cell-6-100").tryQuery().isPresent());
    }

    @Test
    void importedResultsAreDrawnAndBadInputIsNamed(FxRobot robot) throws Exception {
        robot.clickOn("#screen-needles");
        Path results = Files.writeString(dir.resolve("results.json"), """
                [{"context_length": 1000, "depth_percent": 0.0, "response": "1234567", "answer": "1234567",
                  "correct": true, "seed": 0},
                 {"context_length": 1000, "depth_percent": 100.0, "response": "no", "answer": "7654321",
                  "correct": false, "seed": 0}]""");
        robot.interact(() -> lab().importResults(results));
        DesktopHarness.await("the imported run", 10, () -> lab().cells().size() == 2);
        WaitForAsyncUtils.waitForFxEvents();
        Region found = robot.lookup("#cell-1000-0").query();
        assertTrue(found.getStyle().contains("#0cd79f"), "a found needle is green: " + found.getStyle());
        assertTrue(robot.lookup("#needle-resume").query().isDisabled(), "an imported run cannot be run");

        Path corrupt = Files.writeString(dir.resolve("corrupt.json"), "[{\"context_length\": ");
        robot.interact(() -> lab().importResults(corrupt));
        DesktopHarness.await("the error", 10, () -> !lab().errorProperty().get().isEmpty());
        assertTrue(robot.lookup("#needle-error").queryLabeled().getText().startsWith(corrupt + ": not JSON"),
                robot.lookup("#needle-error").queryLabeled().getText());

        Path empty = Files.writeString(dir.resolve("empty.txt"), "");
        robot.interact(() -> lab().haystackProperty().set(empty));
        grid(robot, 600, 900, 2, 2);
        robot.clickOn("#needle-run");
        awaitIdle();
        assertTrue(robot.lookup("#needle-error").queryLabeled().getText().contains(empty + ": empty"),
                robot.lookup("#needle-error").queryLabeled().getText());

        robot.interact(() -> lab().haystackProperty().set(null));
        grid(robot, 1000, 9000, 2, 2);
        robot.clickOn("#needle-run");
        awaitIdle();
        assertTrue(robot.lookup("#needle-error").queryLabeled().getText().contains("exceed this model's context of 8192"),
                robot.lookup("#needle-error").queryLabeled().getText());
        assertEquals(1, runs().size(), "only the import was recorded");
    }
}
