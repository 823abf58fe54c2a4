package lwm.ui;

import atlantafx.base.theme.PrimerDark;
import atlantafx.base.theme.PrimerLight;
import javafx.application.Application;
import javafx.scene.Scene;
import lwm.app.settings.Settings;

/** AtlantaFX's Primer themes, light or dark, plus the desktop's own stylesheet on top. */
public final class Theme {
    private static final String APP_CSS = Theme.class.getResource("/lwm/ui/desktop.css").toExternalForm();

    private Theme() {}

    public static void apply(Scene scene, Settings.Theme theme) {
        Application.setUserAgentStylesheet(theme == Settings.Theme.DARK ? new PrimerDark().getUserAgentStylesheet()
                : new PrimerLight().getUserAgentStylesheet());
        if (!scene.getStylesheets().contains(APP_CSS)) {
            scene.getStylesheets().add(APP_CSS);
        }
        scene.getRoot().getStyleClass().removeAll("light", "dark");
        scene.getRoot().getStyleClass().add(theme == Settings.Theme.DARK ? "dark" : "light");
    }
}
