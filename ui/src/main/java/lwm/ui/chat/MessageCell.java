package lwm.ui.chat;

import javafx.beans.value.ChangeListener;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.Tooltip;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import lwm.app.store.Message;
import lwm.ui.markdown.Markdown;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignC;
import org.kordamp.ikonli.materialdesign2.MaterialDesignP;
import org.kordamp.ikonli.materialdesign2.MaterialDesignR;

/**
 * One message of the virtualized thread: who wrote it, its attachments, its text as Markdown (re-rendered as it
 * streams), how it ended and its figures, and its actions (copy; edit a question; regenerate the last answer).
 */
final class MessageCell extends ListCell<MessageItem> {
    private final ChatView view;
    private final VBox root = new VBox(4);
    private final Label who = new Label();
    private final FlowPane files = new FlowPane(4, 4);
    private final VBox body = new VBox();
    private final Label details = new Label();
    private final Button copy = action(new FontIcon(MaterialDesignC.CONTENT_COPY), "Copy");
    private final Button edit = action(new FontIcon(MaterialDesignP.PENCIL), "Edit and resend");
    private final Button regenerate = action(new FontIcon(MaterialDesignR.REFRESH), "Regenerate");
    private final ChangeListener<String> onText = (o, was, now) -> renderText(now);
    private final ChangeListener<Object> onStatus = (o, was, now) -> renderStatus();
    private MessageItem shown;

    MessageCell(ChatView view) {
        this.view = view;
        who.getStyleClass().add("message-author");
        details.getStyleClass().add("message-details");
        details.setWrapText(true);
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox header = new HBox(6, who, spacer, copy, edit, regenerate);
        header.setAlignment(Pos.CENTER_LEFT);
        root.getChildren().addAll(header, files, body, details);
        root.getStyleClass().add("message");
        copy.setOnAction(e -> {
            ClipboardContent content = new ClipboardContent();
            content.putString(shown.textProperty().get());
            Clipboard.getSystemClipboard().setContent(content);
        });
        edit.setOnAction(e -> view.edit(shown));
        regenerate.setOnAction(e -> view.viewModel().regenerate());
        edit.disableProperty().bind(view.viewModel().busyProperty());
        regenerate.disableProperty().bind(view.viewModel().busyProperty());
        setPrefWidth(0); // wrap to the list's width instead of widening it
    }

    private static Button action(FontIcon icon, String tip) {
        Button b = new Button(null, icon);
        b.getStyleClass().addAll("flat", "message-action");
        b.setTooltip(new Tooltip(tip));
        b.setAccessibleText(tip);
        return b;
    }

    @Override
    protected void updateItem(MessageItem item, boolean empty) {
        super.updateItem(item, empty);
        if (shown != null) {
            shown.textProperty().removeListener(onText);
            shown.statusProperty().removeListener(onStatus);
            shown.detailsProperty().removeListener(onStatus);
        }
        shown = empty ? null : item;
        if (shown == null) {
            setGraphic(null);
            return;
        }
        boolean user = item.role() == Message.Role.USER;
        who.setText(user ? "You" : "LWM");
        root.getStyleClass().removeAll("from-user", "from-model");
        root.getStyleClass().add(user ? "from-user" : "from-model");
        files.getChildren().setAll(item.attachments().stream().map(ChatView::fileChip).toList());
        files.setVisible(!item.attachments().isEmpty());
        files.setManaged(!item.attachments().isEmpty());
        item.textProperty().addListener(onText);
        item.statusProperty().addListener(onStatus);
        item.detailsProperty().addListener(onStatus);
        renderText(item.textProperty().get());
        renderStatus();
        setGraphic(root);
    }

    private void renderText(String text) {
        body.getChildren().setAll(Markdown.render(text == null ? "" : text));
        body.getChildren().forEach(n -> ((Region) n).maxWidthProperty().bind(widthProperty().subtract(48)));
    }

    private void renderStatus() {
        boolean streaming = shown.statusProperty().get() == Message.Status.STREAMING;
        boolean last = getIndex() == getListView().getItems().size() - 1;
        boolean user = shown.role() == Message.Role.USER;
        details.setText(streaming ? "" : shown.detailsProperty().get());
        details.setVisible(!details.getText().isEmpty());
        details.setManaged(details.isVisible());
        edit.setVisible(user);
        edit.setManaged(user);
        regenerate.setVisible(!user && last && !streaming);
        regenerate.setManaged(regenerate.isVisible());
        copy.setDisable(streaming);
    }
}
