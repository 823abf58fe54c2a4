package lwm.ui.util;

import javafx.beans.property.StringProperty;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;

/** The red line a screen shows its last failure in: hidden while there is none, dismissed by a click. */
public final class ErrorBanner {
    private ErrorBanner() {}

    public static Label of(String id, StringProperty error) {
        Label banner = new Label();
        banner.setId(id);
        banner.getStyleClass().add("error-banner");
        banner.setWrapText(true);
        banner.textProperty().bind(error);
        banner.visibleProperty().bind(error.isNotEmpty());
        banner.managedProperty().bind(banner.visibleProperty());
        banner.setOnMouseClicked(e -> error.set(""));
        banner.setTooltip(new Tooltip("Click to dismiss"));
        return banner;
    }
}
