package lwm.test.desktop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javafx.collections.ListChangeListener;
import javafx.scene.control.Button;
import javafx.scene.control.Labeled;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.image.ImageView;
import lwm.app.store.GalleryItem;
import lwm.ui.gallery.GalleryTile;
import lwm.ui.gallery.GalleryViewModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

/** The gallery driven as a user drives it: the demo model, its VQGAN, a real store and the files it writes. */
@Timeout(300)
class DesktopGalleryTest extends DesktopTest {

    private GalleryViewModel gallery() {
        return desktop.window.gallery();
    }

    private List<GalleryItem> stored() {
        return desktop.workspace.store().gallery().items();
    }

    private void generate(FxRobot robot, String prompt, int frames) throws Exception {
        robot.clickOn("#screen-gallery");
        robot.clickOn("#imagine-prompt").write(prompt);
        Spinner<?> spinner = robot.lookup("#imagine-frames").query();
        robot.interact(() -> ((Spinner<Integer>) spinner).getValueFactory().setValue(frames));
        robot.clickOn("#imagine-generate");
    }

    private void awaitIdle() throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        DesktopHarness.await("the generation to end", 180, () -> !gallery().busyProperty().get());
        Thread.sleep(300); // the thumbnail and frames load after it
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void anImageShowsItsRowsAsTheyAreSampledThenItsFileAndRecord(FxRobot robot) throws Exception {
        List<Integer> rowsSeen = new CopyOnWriteArrayList<>();
        robot.interact(() -> gallery().tiles().addListener((ListChangeListener<GalleryTile>) c -> {
            while (c.next()) {
                c.getAddedSubList().forEach(t -> t.rowsProperty().addListener((o, a, b) -> rowsSeen.add(b.intValue())));
            }
        }));
        generate(robot, "a red square", 1);
        awaitIdle();

        GalleryItem item = stored().get(0);
        assertEquals(GalleryItem.Status.DONE, item.status());
        assertTrue(Files.isRegularFile(item.file()) && item.file().toString().endsWith(".png"), item.file().toString());
        assertTrue(rowsSeen.stream().anyMatch(r -> r > 0 && r < 16), "partial frames were shown: " + rowsSeen);
        assertEquals(16, rowsSeen.get(rowsSeen.size() - 1));
        assertTrue(robot.lookup("#tile-" + item.id()).tryQuery().isPresent());
        assertEquals("a red square", robot.lookup("#gallery-prompt").queryLabeled().getText());
        assertTrue(robot.lookup("#imagine-status").queryLabeled().getText().startsWith("Done"),
                robot.lookup("#imagine-status").queryLabeled().getText());
        ImageView large = robot.lookup("#gallery-large").query();
        assertEquals(256, large.getImage().getWidth());
        assertFalse(robot.lookup("#gallery-player").query().isVisible(), "an image has no player");
    }

    @Test
    void aClipPlaysFrameByFrameAndRemixKeepsEverythingButTheSeed(FxRobot robot) throws Exception {
        generate(robot, "a blue circle moving to the left", 3);
        awaitIdle();
        GalleryItem clip = stored().get(0);
        assertEquals(3, clip.framesDone());
        assertTrue(clip.file().toString().endsWith(".mp4"));
        Labeled badge = robot.lookup("#tile-" + clip.id() + " .gallery-badge").queryLabeled();
        assertEquals("▶ 3 frames", badge.getText());
        assertTrue(robot.lookup("#gallery-player").query().isVisible());

        Slider slider = robot.lookup("#gallery-frame").query();
        DesktopHarness.await("the clip's frames", 30, () -> slider.getMax() == 2);
        ImageView large = robot.lookup("#gallery-large").query();
        var first = large.getImage();
        robot.interact(() -> slider.setValue(2));
        assertEquals("frame 3 of 3", robot.lookup("#gallery-frame-label").queryLabeled().getText());
        assertNotEquals(first, large.getImage());

        robot.clickOn("#gallery-remix");
        awaitIdle();
        List<GalleryItem> items = stored();
        assertEquals(2, items.size());
        GalleryItem remix = items.get(0);
        assertNotEquals(clip.request().seed(), remix.request().seed());
        assertEquals(clip.request().withSeed(remix.request().seed()), remix.request());
        assertEquals(2, gallery().tiles().size());
    }

    @Test
    void stopKeepsTheFramesSoFarAndDeleteAsksFirst(FxRobot robot) throws Exception {
        generate(robot, "a yellow square moving up", 4);
        DesktopHarness.await("the second frame", 120, () -> gallery().progressProperty().get() > 0.3);
        robot.clickOn("#imagine-stop");
        awaitIdle();
        GalleryItem item = stored().get(0);
        assertEquals(GalleryItem.Status.STOPPED, item.status());
        assertTrue(item.framesDone() >= 1 && item.framesDone() < 4, "frames kept: " + item.framesDone());
        assertTrue(robot.lookup("#tile-" + item.id() + " .gallery-badge").queryLabeled().getText().endsWith("stopped"));

        robot.clickOn("#gallery-delete");
        Button ok = robot.lookup(".dialog-pane .button").match((Button b) -> b.getText().equals("OK")).query();
        robot.clickOn(ok);
        DesktopHarness.await("the item to go", 30, () -> gallery().tiles().isEmpty());
        assertTrue(stored().isEmpty());
        assertFalse(Files.exists(item.file()));
        assertTrue(robot.lookup("#gallery-empty").query().isVisible());
    }

    @Test
    void anEmptyPromptCannotBeSentAndABadSeedIsNamed(FxRobot robot) throws Exception {
        robot.clickOn("#screen-gallery");
        assertTrue(robot.lookup("#imagine-generate").query().isDisabled());
        robot.clickOn("#imagine-random-seed");
        robot.doubleClickOn("#imagine-seed").eraseText(12).write("twelve");
        robot.clickOn("#imagine-prompt").write("a white circle");
        robot.clickOn("#imagine-generate");
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("the seed must be a whole number, got 'twelve'", robot.lookup("#imagine-error").queryLabeled().getText());
        assertFalse(gallery().busyProperty().get());
        assertTrue(stored().isEmpty());
    }
}
