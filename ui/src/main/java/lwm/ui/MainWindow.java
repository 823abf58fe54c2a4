package lwm.ui;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Label;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.stage.DirectoryChooser;
import javafx.stage.Stage;
import lwm.app.chat.AttachmentKind;
import lwm.app.chat.ChatOptions;
import lwm.app.settings.Settings;
import lwm.app.workspace.Workspace;
import lwm.ui.chat.ChatView;
import lwm.ui.chat.ChatViewModel;
import lwm.ui.gallery.GalleryView;
import lwm.ui.gallery.GalleryViewModel;
import lwm.ui.needle.NeedleLabView;
import lwm.ui.needle.NeedleLabViewModel;
import lwm.ui.inspector.InspectorDialog;
import lwm.ui.inspector.InspectorViewModel;
import lwm.ui.settings.SettingsDialog;
import lwm.ui.settings.SettingsViewModel;
import lwm.ui.util.Background;
import lwm.ui.util.Errors;
import org.kordamp.ikonli.javafx.FontIcon;
import atlantafx.base.theme.Styles;
import org.kordamp.ikonli.materialdesign2.MaterialDesignC;
import org.kordamp.ikonli.materialdesign2.MaterialDesignG;
import org.kordamp.ikonli.materialdesign2.MaterialDesignI;
import org.kordamp.ikonli.materialdesign2.MaterialDesignM;
import org.kordamp.ikonli.materialdesign2.MaterialDesignT;

/**
 * The main window: a toolbar (active model, theme, settings) over the chat screen; files dropped anywhere are
 * attached to the message being written. Opens on the first run by asking which model to use.
 */
public final class MainWindow {
    private final Workspace workspace;
    private final Background background;
    private final ChatViewModel chat;
    private final Stage stage;
    private final Scene scene;
    private final Label model = new Label();
    private final GalleryViewModel gallery;
    private final BorderPane root;
    private final ChatView chatView;
    private final GalleryView galleryView;
    private final NeedleLabViewModel needles;
    private final NeedleLabView needleView;
    private final ToggleGroup screens = new ToggleGroup();

    public MainWindow(Stage stage, Workspace workspace, Background background) {
        this.stage = stage;
        this.workspace = workspace;
        this.background = background;
        this.chat = new ChatViewModel(workspace, background, ChatOptions.lwmDefaults());
        this.gallery = new GalleryViewModel(workspace, background);
        chatView = new ChatView(chat, this::inspect);
        galleryView = new GalleryView(gallery);
        this.needles = new NeedleLabViewModel(workspace, background);
        needleView = new NeedleLabView(needles);
        root = new BorderPane(chatView.node());
        root.setTop(toolbar());
        scene = new Scene(root, 1180, 760);
        acceptDroppedFiles(root);
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.N, KeyCombination.SHORTCUT_DOWN), chat::newConversation);
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.COMMA, KeyCombination.SHORTCUT_DOWN), this::openSettings);
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.DIGIT1, KeyCombination.SHORTCUT_DOWN),
                () -> screens.selectToggle(screens.getToggles().get(0)));
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.DIGIT2, KeyCombination.SHORTCUT_DOWN),
                () -> screens.selectToggle(screens.getToggles().get(1)));
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.DIGIT3, KeyCombination.SHORTCUT_DOWN),
                () -> screens.selectToggle(screens.getToggles().get(2)));
        chat.openSettingsRequested().addListener((o, was, now) -> openSettings());
        Theme.apply(scene, workspace.settings().theme());
        stage.setTitle("LWM Desktop");
        stage.setScene(scene);
        showModel();
    }

    public ChatViewModel chat() {
        return chat;
    }

    public GalleryViewModel gallery() {
        return gallery;
    }

    public NeedleLabViewModel needles() {
        return needles;
    }

    public Scene scene() {
        return scene;
    }

    /** Shows the window, asks for a model on the first run, and loads the conversations. */
    public void show() {
        stage.show();
        if (workspace.settingsProblem() != null) {
            chat.errorProperty().set(workspace.settingsProblem());
        }
        if (workspace.firstRun()) {
            firstRun();
        }
        chat.reloadConversations();
        gallery.reload();
        needles.reload();
    }

    /** Stops what runs in the background (a generation, a needle run) when the window closes. */
    public void close() {
        gallery.close();
        needles.close();
    }

    private HBox toolbar() {
        Label title = new Label("LWM Desktop");
        title.getStyleClass().add("toolbar-title");
        model.setId("active-model");
        model.getStyleClass().add("model-label");
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        Button theme = new Button(null, new FontIcon(MaterialDesignT.THEME_LIGHT_DARK));
        theme.setId("toggle-theme");
        theme.setTooltip(new Tooltip("Light or dark"));
        theme.getStyleClass().add("flat");
        theme.setOnAction(e -> toggleTheme());
        Button settings = new Button("Settings", new FontIcon(MaterialDesignC.COG_OUTLINE));
        settings.setId("open-settings");
        settings.getStyleClass().add("flat");
        settings.setOnAction(e -> openSettings());
        HBox bar = new HBox(12, title, screenSwitch(), model, spacer, theme, settings);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.setPadding(new Insets(6, 12, 6, 12));
        bar.getStyleClass().add("toolbar");
        return bar;
    }

    /** Chat | Gallery | Needle lab, as segmented buttons (Ctrl+1, 2, 3). */
    private HBox screenSwitch() {
        ToggleButton chatScreen = new ToggleButton("Chat", new FontIcon(MaterialDesignM.MESSAGE_TEXT_OUTLINE));
        chatScreen.setId("screen-chat");
        chatScreen.getStyleClass().add(Styles.LEFT_PILL);
        chatScreen.setTooltip(new Tooltip("Conversations about text, images and videos (Ctrl+1)"));
        ToggleButton galleryScreen = new ToggleButton("Gallery", new FontIcon(MaterialDesignI.IMAGE_MULTIPLE_OUTLINE));
        galleryScreen.setId("screen-gallery");
        galleryScreen.getStyleClass().add(Styles.CENTER_PILL);
        galleryScreen.setTooltip(new Tooltip("Generate images and videos from text (Ctrl+2)"));
        ToggleButton needleScreen = new ToggleButton("Needle lab", new FontIcon(MaterialDesignG.GRID));
        needleScreen.setId("screen-needles");
        needleScreen.getStyleClass().add(Styles.RIGHT_PILL);
        needleScreen.setTooltip(new Tooltip("How well the model finds facts deep in long contexts (Ctrl+3)"));
        chatScreen.setToggleGroup(screens);
        galleryScreen.setToggleGroup(screens);
        needleScreen.setToggleGroup(screens);
        screens.selectToggle(chatScreen);
        screens.selectedToggleProperty().addListener((o, was, now) -> {
            if (now == null) {
                screens.selectToggle(was); // one screen is always shown
            } else {
                root.setCenter(now == galleryScreen ? galleryView.node()
                        : now == needleScreen ? needleView.node() : chatView.node());
            }
        });
        return new HBox(chatScreen, galleryScreen, needleScreen);
    }

    private void showModel() {
        Settings s = workspace.settings();
        model.setText(s.activeModel() == null ? "Model: bundled demo model (a toy; see Settings)"
                : "Model: " + Path.of(s.activeModel()).getFileName());
        model.setTooltip(new Tooltip(s.activeModel() == null ? "models/lwm-demo" : s.activeModel()));
    }

    private void acceptDroppedFiles(BorderPane root) {
        root.setOnDragOver(e -> {
            if (e.getDragboard().hasFiles()) {
                e.acceptTransferModes(TransferMode.COPY_OR_MOVE);
                if (!root.getStyleClass().contains("drop-target")) {
                    root.getStyleClass().add("drop-target");
                }
            }
            e.consume();
        });
        root.setOnDragExited(e -> root.getStyleClass().remove("drop-target"));
        root.setOnDragDropped(e -> {
            boolean ok = e.getDragboard().hasFiles();
            if (ok) {
                screens.selectToggle(screens.getToggles().get(0));
                chat.addAttachments(e.getDragboard().getFiles().stream().map(File::toPath).toList());
            }
            e.setDropCompleted(ok);
            e.consume();
        });
    }

    private void toggleTheme() {
        Settings s = workspace.settings();
        Settings next = s.withTheme(s.theme() == Settings.Theme.DARK ? Settings.Theme.LIGHT : Settings.Theme.DARK);
        Theme.apply(scene, next.theme());
        save(next, null);
    }

    private void openSettings() {
        boolean tokenSaved;
        try {
            tokenSaved = workspace.backendToken() != null;
        } catch (IOException e) {
            tokenSaved = false;
        }
        SettingsViewModel vm = new SettingsViewModel(workspace.settings(), background);
        SettingsDialog.show(stage, vm, tokenSaved).ifPresent(r -> {
            Theme.apply(scene, r.settings().theme());
            save(r.settings(), r.token() == null || r.token().isEmpty() ? null : r.token());
        });
    }

    private void save(Settings settings, String token) {
        boolean busy = chat.busyProperty().get() || gallery.busyProperty().get() || needles.busyProperty().get();
        if (busy && (token != null || !workspace.settings().sameEngines(settings))) {
            chat.errorProperty().set("Settings not saved: stop the answer, generation or needle run first (the model "
                    + "they use would be unloaded under them)");
            return;
        }
        background.run(() -> {
            workspace.apply(settings, token);
            return null;
        }, ok -> {
            showModel();
            chat.refreshPlan();
            gallery.reload();
            needles.reload();
        }, e -> chat.errorProperty().set("Settings not saved: " + Errors.describe(e)));
    }

    /** The first run: the bundled demo model, or a folder of the user's. */
    private void firstRun() {
        Alert welcome = new Alert(Alert.AlertType.INFORMATION);
        welcome.initOwner(stage);
        welcome.setTitle("Welcome to LWM Desktop");
        welcome.setHeaderText("Which model should answer?");
        welcome.setContentText("LWM Desktop comes with a tiny demo model of a toy world of coloured circles, squares "
                + "and triangles, so everything works right away: ask it the colour, shape, number or direction of "
                + "the shapes in an image or clip, have it draw them in the gallery, or hide a number in a long text "
                + "in the needle lab. For real answers, choose a folder with an LWM checkpoint "
                + "(LWM's Jax params, or Hugging Face safetensors / pytorch_model.bin with config.json, each with "
                + "tokenizer.model); you can change this any time in Settings.");
        ButtonType demo = new ButtonType("Use the demo model", ButtonBar.ButtonData.OK_DONE);
        ButtonType choose = new ButtonType("Choose a model folder…", ButtonBar.ButtonData.OTHER);
        welcome.getButtonTypes().setAll(choose, demo);
        Optional<ButtonType> answer = welcome.showAndWait();
        Settings settings = workspace.settings();
        if (answer.isPresent() && answer.get() == choose) {
            DirectoryChooser chooser = new DirectoryChooser();
            chooser.setTitle("Choose a model folder");
            File dir = chooser.showDialog(stage);
            if (dir != null) {
                settings = settings.withActiveModel(dir.getAbsolutePath());
            }
        }
        save(settings, null);
    }

    private void inspect(Path video) {
        if (AttachmentKind.of(video) != AttachmentKind.VIDEO) {
            return;
        }
        InspectorViewModel vm = new InspectorViewModel(video, chat.framesPerVideoProperty().get(),
                chat.rangeProperty().get(), background);
        if (InspectorDialog.show(stage, vm)) {
            chat.framesPerVideoProperty().set(vm.framesProperty().get());
            chat.rangeProperty().set(vm.range());
        }
    }
}
