package lwm.test.desktop;

import java.nio.file.Path;
import lwm.app.settings.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

/** A TestFX test of the real window on a temporary data folder whose settings are saved (no first-run question). */
@ExtendWith(ApplicationExtension.class)
abstract class DesktopTest {
    @TempDir
    Path dir;

    DesktopHarness desktop;

    /** TestFX looks for {@code @Start} in the test class alone, so the window is set up here for every subclass. */
    @BeforeEach
    void openWindow() throws Exception {
        desktop = DesktopHarness.withSettings(dir.resolve("data"), Settings.defaults());
        FxToolkit.setupStage(desktop::open);
        WaitForAsyncUtils.waitForFxEvents();
    }

    @AfterEach
    void close() {
        desktop.close();
    }
}
