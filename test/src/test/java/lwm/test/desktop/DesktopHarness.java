package lwm.test.desktop;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.stage.Stage;
import lwm.app.settings.Settings;
import lwm.app.settings.SettingsFile;
import lwm.app.workspace.Workspace;
import lwm.ui.MainWindow;
import lwm.ui.util.Background;
import org.testfx.util.WaitForAsyncUtils;

/** The real desktop window on a workspace of the test's own (a temporary data folder, its SQLite store and caches). */
final class DesktopHarness implements AutoCloseable {
    final Workspace workspace;
    final Background background = new Background();
    MainWindow window;

    private DesktopHarness(Workspace workspace) {
        this.workspace = workspace;
    }

    /** A workspace whose settings are already saved (no first-run question), with {@code settings}. */
    static DesktopHarness withSettings(Path dataDir, Settings settings) throws Exception {
        new SettingsFile(dataDir.resolve("settings.json")).save(settings);
        return fresh(dataDir);
    }

    /** A workspace as a new user's: nothing saved yet. */
    static DesktopHarness fresh(Path dataDir) throws Exception {
        return new DesktopHarness(new Workspace(dataDir, dataDir.resolve("codes")));
    }

    /** Builds the window on the FX thread; {@link MainWindow#show} runs later (it may open the first-run dialog). */
    void open(Stage stage) {
        window = new MainWindow(stage, workspace, background);
        MainWindow shown = window;
        state = () -> "stage '" + shown.chat().stageProperty().get() + "', busy " + shown.chat().busyProperty().get()
                + ", error '" + shown.chat().errorProperty().get() + "', messages " + shown.chat().messages().size();
        Platform.runLater(window::show);
    }

    /** What the window shows, for failure messages. */
    static java.util.function.Supplier<String> state = () -> "";

    static void await(String what, long seconds, Callable<Boolean> condition) throws Exception {
        try {
            WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("timed out after " + seconds + " s waiting for " + what + "; now " + state.get(), e);
        }
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** Waits until the running turn (if any) has ended and the thread is reloaded. */
    void awaitIdle(long seconds) throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        await("the turn to end", seconds, () -> !window.chat().busyProperty().get());
        Thread.sleep(200); // the store reload after the turn
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Override
    public void close() {
        if (window != null) {
            window.close();
        }
        background.close();
        workspace.close();
    }
}
