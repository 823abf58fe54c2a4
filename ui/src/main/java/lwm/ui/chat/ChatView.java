package lwm.ui.chat;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.TextInputDialog;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import lwm.app.store.Conversation;
import lwm.ui.util.ErrorBanner;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignC;
import org.kordamp.ikonli.materialdesign2.MaterialDesignF;
import org.kordamp.ikonli.materialdesign2.MaterialDesignI;
import org.kordamp.ikonli.materialdesign2.MaterialDesignM;
import org.kordamp.ikonli.materialdesign2.MaterialDesignP;

/**
 * The chat screen: the sidebar of conversations (search, rename, delete), the virtualized thread, and the composer
 * with its attachments, context planner and progress. It builds nodes and binds them to {@link ChatViewModel}.
 */
public final class ChatView {
    private final ChatViewModel vm;
    private final SplitPane root;
    private final ListView<MessageItem> thread = new ListView<>();
    private final Consumer<Path> openInspector;

    /** @param openInspector opens the video inspector for an attached video */
    public ChatView(ChatViewModel vm, Consumer<Path> openInspector) {
        this.vm = vm;
        this.openInspector = openInspector;
        root = new SplitPane(sidebar(), conversation());
        root.setDividerPositions(0.24);
        SplitPane.setResizableWithParent(root.getItems().get(0), false);
    }

    public SplitPane node() {
        return root;
    }

    ChatViewModel viewModel() {
        return vm;
    }

    // ------------------------------------------------------------------ sidebar

    private VBox sidebar() {
        Button create = new Button("New chat", new FontIcon(MaterialDesignP.PLUS));
        create.setId("new-chat");
        create.setMaxWidth(Double.MAX_VALUE);
        create.setOnAction(e -> vm.newConversation());
        TextField search = new TextField();
        search.setId("search");
        search.setPromptText("Search conversations");
        search.textProperty().bindBidirectional(vm.searchProperty());
        ListView<Conversation> list = new ListView<>(vm.conversations());
        list.setId("conversations");
        list.setPlaceholder(new Label("No conversations yet"));
        list.setCellFactory(v -> new ConversationCell());
        list.getSelectionModel().selectedItemProperty().addListener((o, was, now) -> {
            if (now != null && (vm.selectedProperty().get() == null || vm.selectedProperty().get().id() != now.id())) {
                vm.selectedProperty().set(now);
            }
        });
        vm.selectedProperty().addListener((o, was, now) -> {
            if (now == null) {
                list.getSelectionModel().clearSelection();
            } else if (list.getSelectionModel().getSelectedItem() != now) {
                list.getSelectionModel().select(now);
            }
        });
        list.setOnKeyPressed(e -> {
            Conversation c = list.getSelectionModel().getSelectedItem();
            if (c != null && e.getCode() == KeyCode.F2) {
                renameDialog(c);
            } else if (c != null && (e.getCode() == KeyCode.DELETE || e.getCode() == KeyCode.BACK_SPACE)) {
                deleteDialog(c);
            }
        });
        list.setTooltip(new Tooltip("Right-click, F2 to rename, Delete to delete"));
        VBox.setVgrow(list, Priority.ALWAYS);
        VBox box = new VBox(8, create, search, list);
        box.setPadding(new Insets(10));
        box.getStyleClass().add("sidebar");
        box.setMinWidth(200);
        return box;
    }

    private final class ConversationCell extends ListCell<Conversation> {
        ConversationCell() {
            MenuItem rename = new MenuItem("Rename…");
            rename.setOnAction(e -> renameDialog(getItem()));
            MenuItem delete = new MenuItem("Delete");
            delete.setOnAction(e -> deleteDialog(getItem()));
            setContextMenu(new ContextMenu(rename, delete));
        }

        @Override
        protected void updateItem(Conversation item, boolean empty) {
            super.updateItem(item, empty);
            setText(empty || item == null ? null : item.title());
        }
    }

    private void renameDialog(Conversation c) {
        TextInputDialog dialog = new TextInputDialog(c.title());
        dialog.setTitle("Rename conversation");
        dialog.setHeaderText(null);
        dialog.setContentText("Title:");
        dialog.initOwner(root.getScene().getWindow());
        dialog.showAndWait().ifPresent(title -> vm.rename(c, title));
    }

    private void deleteDialog(Conversation c) {
        Dialog<ButtonType> confirm = new Dialog<>();
        confirm.setTitle("Delete conversation");
        confirm.setContentText("Delete \"" + c.title() + "\" and its messages? Attached files stay where they are.");
        confirm.getDialogPane().getButtonTypes().addAll(ButtonType.CANCEL, ButtonType.OK);
        confirm.initOwner(root.getScene().getWindow());
        confirm.showAndWait().filter(b -> b == ButtonType.OK).ifPresent(b -> vm.delete(c));
    }

    // ------------------------------------------------------------------ thread and composer

    private BorderPane conversation() {
        thread.setId("thread");
        thread.setItems(vm.messages());
        thread.setCellFactory(v -> new MessageCell(this));
        thread.setFocusTraversable(false);
        thread.getStyleClass().add("thread");
        Label empty = new Label("Ask about a video, an image or a document: drop files anywhere in this window.");
        empty.getStyleClass().add("placeholder");
        thread.setPlaceholder(empty);
        vm.messages().addListener((javafx.collections.ListChangeListener<MessageItem>) c -> {
            if (!vm.messages().isEmpty()) {
                thread.scrollTo(vm.messages().size() - 1);
            }
        });
        Label error = ErrorBanner.of("error", vm.errorProperty());
        BorderPane pane = new BorderPane(thread);
        pane.setBottom(new VBox(6, error, new PlanView(vm, openInspector).node(), progress(), composer()));
        BorderPane.setMargin(pane.getBottom(), new Insets(8, 12, 12, 12));
        return pane;
    }

    private HBox progress() {
        Label stage = new Label();
        stage.setId("stage");
        stage.textProperty().bind(vm.stageProperty());
        javafx.scene.control.ProgressBar bar = new javafx.scene.control.ProgressBar();
        bar.setId("progress");
        bar.progressProperty().bind(vm.progressProperty());
        bar.setPrefWidth(220);
        Label route = new Label();
        route.setId("route");
        route.getStyleClass().add("route-badge");
        route.textProperty().bind(vm.routeProperty());
        Tooltip reason = new Tooltip();
        reason.textProperty().bind(vm.routeReasonProperty());
        route.setTooltip(reason);
        HBox row = new HBox(10, route, bar, stage);
        row.setAlignment(Pos.CENTER_LEFT);
        row.visibleProperty().bind(vm.busyProperty());
        row.managedProperty().bind(row.visibleProperty());
        return row;
    }

    private HBox composer() {
        TextArea input = new TextArea();
        input.setId("composer");
        input.setPromptText("Ask a question… (Enter sends, Shift+Enter for a new line)");
        input.setWrapText(true);
        input.setPrefRowCount(3);
        input.textProperty().bindBidirectional(vm.draftProperty());
        input.addEventFilter(KeyEvent.KEY_PRESSED, e -> {
            if (e.getCode() == KeyCode.ENTER && !e.isShiftDown()) {
                e.consume();
                vm.send();
            } else if (e.getCode() == KeyCode.V && e.isShortcutDown()
                    && javafx.scene.input.Clipboard.getSystemClipboard().hasFiles()) {
                e.consume();
                vm.addAttachments(javafx.scene.input.Clipboard.getSystemClipboard().getFiles().stream()
                        .map(File::toPath).toList());
            }
        });
        HBox.setHgrow(input, Priority.ALWAYS);
        Button attach = new Button(null, new FontIcon(MaterialDesignP.PAPERCLIP));
        attach.setId("attach");
        attach.setTooltip(new Tooltip("Attach videos, images or text documents"));
        attach.setOnAction(e -> pickFiles());
        Button send = new Button("Send", new FontIcon(MaterialDesignF.FORMAT_VERTICAL_ALIGN_TOP));
        send.setId("send");
        send.getStyleClass().add("accent");
        send.setDefaultButton(false);
        send.setOnAction(e -> vm.send());
        send.disableProperty().bind(vm.draftProperty().isEmpty().and(javafx.beans.binding.Bindings.isEmpty(vm.attachments())));
        Button stop = new Button("Stop", new FontIcon(MaterialDesignC.CLOSE_CIRCLE_OUTLINE));
        stop.setId("stop");
        stop.getStyleClass().add("danger");
        stop.setOnAction(e -> vm.stop());
        StackPane action = new StackPane(send, stop);
        send.visibleProperty().bind(vm.busyProperty().not());
        stop.visibleProperty().bind(vm.busyProperty());
        HBox row = new HBox(8, attach, input, action);
        row.setAlignment(Pos.BOTTOM_LEFT);
        return row;
    }

    private void pickFiles() {
        FileChooser chooser = new FileChooser();
        chooser.setTitle("Attach files");
        chooser.getExtensionFilters().addAll(
                new FileChooser.ExtensionFilter("Videos, images and documents", "*.mp4", "*.mov", "*.mkv", "*.webm",
                        "*.avi", "*.png", "*.jpg", "*.jpeg", "*.webp", "*.bmp", "*.gif", "*.txt", "*.md"),
                new FileChooser.ExtensionFilter("All files", "*"));
        List<File> files = chooser.showOpenMultipleDialog(root.getScene().getWindow());
        if (files != null) {
            vm.addAttachments(files.stream().map(File::toPath).toList());
        }
    }

    /** Asks for the new text of a question, then resends it. */
    void edit(MessageItem item) {
        Dialog<String> dialog = new Dialog<>();
        dialog.setTitle("Edit and resend");
        TextArea text = new TextArea(item.textProperty().get());
        text.setId("edit-text");
        text.setWrapText(true);
        dialog.getDialogPane().setContent(text);
        ButtonType resend = new ButtonType("Resend", javafx.scene.control.ButtonBar.ButtonData.OK_DONE);
        dialog.getDialogPane().getButtonTypes().addAll(ButtonType.CANCEL, resend);
        dialog.setResultConverter(b -> b == resend ? text.getText() : null);
        dialog.initOwner(root.getScene().getWindow());
        dialog.showAndWait().ifPresent(t -> vm.editAndResend(item, t));
    }

    /** A small label for an attached file, with an icon for its kind. */
    static Label fileChip(String name) {
        Label chip = new Label(name, new FontIcon(iconFor(name)));
        chip.getStyleClass().add("file-chip");
        return chip;
    }

    static org.kordamp.ikonli.Ikon iconFor(String name) {
        return switch (lwm.app.chat.AttachmentKind.of(Path.of(name))) {
            case IMAGE -> MaterialDesignI.IMAGE_OUTLINE;
            case TEXT -> MaterialDesignF.FILE_DOCUMENT_OUTLINE;
            case VIDEO -> MaterialDesignM.MOVIE_OPEN_OUTLINE;
        };
    }
}
