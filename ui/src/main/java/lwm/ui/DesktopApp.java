package lwm.ui;

import java.nio.file.Path;
import javafx.application.Application;
import javafx.stage.Stage;
import lwm.app.ingest.AttachmentEncoder;
import lwm.app.workspace.Workspace;
import lwm.ui.util.Background;

/** The JavaFX application: opens the workspace in the data folder given to {@link #launch(Path)}, then the window. */
public final class DesktopApp extends Application {
    private static Path dataDir = Workspace.defaultDataDir();
    private Workspace workspace;
    private Background background;
    private MainWindow window;

    /** Runs the desktop until its window closes. */
    public static void launch(Path dataFolder) {
        dataDir = dataFolder;
        Application.launch(DesktopApp.class);
    }

    @Override
    public void start(Stage stage) throws Exception {
        workspace = new Workspace(dataDir, AttachmentEncoder.defaultCacheDir());
        background = new Background();
        window = new MainWindow(stage, workspace, background);
        window.show();
    }

    @Override
    public void stop() {
        window.close();
        background.close();
        workspace.close();
    }
}
