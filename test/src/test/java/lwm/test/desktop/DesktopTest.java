package lwm.test.desktop;

import java.nio.file.Path;
import javafx.stage.Stage;
import lwm.app.settings.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** A TestFX test of the real window on a temporary data folder whose settings are saved (no first-run question). */
@ExtendWith(ApplicationExtension.class)
abstract class DesktopTest {
    @TempDir
    Path dir;

    DesktopHarness desktop;

    @Start
    void start(Stage stage) throws Exception {
        desktop = DesktopHarness.withSettings(dir.resolve("data"), Settings.defaults());
        desktop.open(stage);
    }

    @AfterEach
    void close() {
        desktop.close();
    }
}
