package lwm.ui.gallery;

import java.io.File;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.beans.binding.Bindings;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TextField;
import javafx.scene.control.TitledPane;
import javafx.scene.control.Tooltip;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.scene.shape.Rectangle;
import javafx.stage.FileChooser;
import javafx.util.Duration;
import lwm.app.gallery.GalleryFiles;
import lwm.app.store.GalleryItem;
import lwm.engine.imagine.ImagineRequest;
import lwm.engine.imagine.ModalityParams;
import lwm.ui.util.ErrorBanner;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignD;
import org.kordamp.ikonli.materialdesign2.MaterialDesignE;
import org.kordamp.ikonli.materialdesign2.MaterialDesignP;
import org.kordamp.ikonli.materialdesign2.MaterialDesignR;
import org.kordamp.ikonli.materialdesign2.MaterialDesignS;
import org.kordamp.ikonli.materialdesign2.MaterialDesignT;

/**
 * The gallery screen: the generation form over a grid of everything generated, and the selected item in large (a
 * clip plays at LWM's 4 fps) with its prompt, parameters and actions. The running item's tile shows each frame as
 * its codes arrive, the rows not yet sampled veiled.
 */
public final class GalleryView {
    private static final double THUMB = 150;
    private static final double LARGE = 384;

    private final GalleryViewModel vm;
    private final BorderPane root = new BorderPane();
    private final FlowPane grid = new FlowPane(12, 12);
    private final Map<GalleryTile, Node> tileNodes = new HashMap<>();
    private final ImageView large = new ImageView();
    private final Slider frameSlider = new Slider();
    private final Timeline player = new Timeline();
    /** Held here: a bidirectional binding keeps only weak references to the spinner's side. */
    private final javafx.beans.property.ObjectProperty<Integer> framesValue;

    public GalleryView(GalleryViewModel vm) {
        this.vm = vm;
        this.framesValue = vm.framesProperty().asObject();
        SplitPane split = new SplitPane(gridPane(), detail());
        split.setDividerPositions(0.6);
        root.setTop(form());
        root.setCenter(split);
        vm.tiles().addListener((ListChangeListener<GalleryTile>) c -> rebuildGrid());
        vm.selectedProperty().addListener((o, was, now) -> markSelected());
    }

    public BorderPane node() {
        return root;
    }

    // ------------------------------------------------------------------ form

    private VBox form() {
        TextField prompt = new TextField();
        prompt.setId("imagine-prompt");
        prompt.setPromptText("Describe an image or a video, e.g. a red circle moving to the left");
        prompt.textProperty().bindBidirectional(vm.promptProperty());
        prompt.setOnAction(e -> vm.generate());
        HBox.setHgrow(prompt, Priority.ALWAYS);

        Spinner<Integer> frames = new Spinner<>(1, GalleryViewModel.MAX_FRAMES, 1);
        frames.setId("imagine-frames");
        frames.setEditable(true);
        frames.setPrefWidth(80);
        frames.getValueFactory().valueProperty().bindBidirectional(framesValue);
        frames.setTooltip(new Tooltip("1 draws an image; more draws a video at 4 frames per second"));
        Label framesLabel = new Label();
        framesLabel.textProperty().bind(Bindings.when(vm.framesProperty().isEqualTo(1)).then("frame (image)")
                .otherwise("frames (video)"));

        TextField seed = new TextField();
        seed.setId("imagine-seed");
        seed.setPrefColumnCount(7);
        seed.textProperty().bindBidirectional(vm.seedProperty());
        seed.disableProperty().bind(vm.randomSeedProperty());
        CheckBox random = new CheckBox("Random seed");
        random.setId("imagine-random-seed");
        random.selectedProperty().bindBidirectional(vm.randomSeedProperty());

        Button generate = new Button("Generate", new FontIcon(MaterialDesignD.DRAW));
        generate.setId("imagine-generate");
        generate.getStyleClass().add("accent");
        generate.setDefaultButton(false);
        generate.disableProperty().bind(vm.busyProperty().or(vm.promptProperty().isEmpty()));
        generate.setOnAction(e -> vm.generate());
        Button stop = new Button("Stop", new FontIcon(MaterialDesignS.STOP));
        stop.setId("imagine-stop");
        stop.visibleProperty().bind(vm.busyProperty());
        stop.managedProperty().bind(stop.visibleProperty());
        stop.setOnAction(e -> vm.stop());

        HBox line = new HBox(8, prompt, frames, framesLabel, new Label("Seed"), seed, random, generate, stop);
        line.setAlignment(Pos.CENTER_LEFT);

        ProgressBar progress = new ProgressBar();
        progress.setId("imagine-progress");
        progress.setPrefWidth(220);
        progress.progressProperty().bind(vm.progressProperty());
        progress.visibleProperty().bind(vm.busyProperty());
        progress.managedProperty().bind(progress.visibleProperty());
        Label status = new Label();
        status.setId("imagine-status");
        status.textProperty().bind(vm.statusProperty());
        status.getStyleClass().add("placeholder");
        Label error = ErrorBanner.of("imagine-error", vm.errorProperty());
        HBox state = new HBox(10, progress, status);
        state.setAlignment(Pos.CENTER_LEFT);

        VBox box = new VBox(8, line, advanced(), state, error);
        box.setPadding(new Insets(10, 12, 10, 12));
        return box;
    }

    /** LWM's per-modality knobs; the first frame uses the image row, a video's later frames the video row. */
    private TitledPane advanced() {
        GridPane grid = new GridPane();
        grid.setHgap(10);
        grid.setVgap(6);
        grid.addRow(0, new Label(""), header("Guidance (cfg)"), header("Temperature"), header("Top-k"));
        modalityRow(grid, 1, "First frame / image", "image", vm.imageParamsProperty());
        modalityRow(grid, 2, "Later video frames", "video", vm.videoParamsProperty());
        Button reset = new Button("LWM's defaults", new FontIcon(MaterialDesignR.RESTORE));
        reset.setId("imagine-defaults");
        reset.getStyleClass().add("flat");
        reset.setOnAction(e -> {
            vm.imageParamsProperty().set(ModalityParams.IMAGE);
            vm.videoParamsProperty().set(ModalityParams.VIDEO);
        });
        grid.add(reset, 4, 1);
        TitledPane pane = new TitledPane("Guidance and sampling", grid);
        pane.setId("imagine-advanced");
        pane.setExpanded(false);
        return pane;
    }

    private static Label header(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("placeholder");
        return l;
    }

    private static void modalityRow(GridPane grid, int row, String label, String id,
            javafx.beans.property.ObjectProperty<ModalityParams> params) {
        Spinner<Double> cfg = new Spinner<>(0.0, 20.0, params.get().cfgScale(), 0.5);
        Spinner<Double> temperature = new Spinner<>(0.05, 3.0, params.get().temperature(), 0.05);
        Spinner<Integer> topK = new Spinner<>(0, 8192, params.get().topK(), 50);
        cfg.setId("imagine-cfg-" + id);
        temperature.setId("imagine-temperature-" + id);
        topK.setId("imagine-top-k-" + id);
        for (Spinner<?> s : new Spinner<?>[] {cfg, temperature, topK}) {
            s.setEditable(true);
            s.setPrefWidth(110);
        }
        Runnable push = () -> params.set(new ModalityParams(temperature.getValue().floatValue(), topK.getValue(),
                cfg.getValue().floatValue()));
        cfg.valueProperty().addListener((o, a, b) -> push.run());
        temperature.valueProperty().addListener((o, a, b) -> push.run());
        topK.valueProperty().addListener((o, a, b) -> push.run());
        params.addListener((o, was, now) -> {
            cfg.getValueFactory().setValue((double) now.cfgScale());
            temperature.getValueFactory().setValue((double) now.temperature());
            topK.getValueFactory().setValue(now.topK());
        });
        topK.setTooltip(new Tooltip("0 keeps every code"));
        grid.addRow(row, new Label(label), cfg, temperature, topK);
    }

    // ------------------------------------------------------------------ grid

    private ScrollPane gridPane() {
        grid.setId("gallery-grid");
        grid.setPadding(new Insets(12));
        ScrollPane scroll = new ScrollPane(grid);
        scroll.setFitToWidth(true);
        Label empty = new Label("Nothing generated yet. Describe an image above and press Generate;\n"
                + "everything you generate, here or with `lwm imagine`, appears in this grid.");
        empty.setId("gallery-empty");
        empty.getStyleClass().add("placeholder");
        empty.visibleProperty().bind(Bindings.isEmpty(vm.tiles()));
        StackPane stack = new StackPane(scroll, empty);
        ScrollPane outer = new ScrollPane(stack);
        outer.setFitToWidth(true);
        outer.setFitToHeight(true);
        return outer;
    }

    private void rebuildGrid() {
        Map<GalleryTile, Node> kept = new HashMap<>();
        for (GalleryTile tile : vm.tiles()) {
            kept.put(tile, tileNodes.containsKey(tile) ? tileNodes.get(tile) : tileNode(tile));
        }
        tileNodes.clear();
        tileNodes.putAll(kept);
        grid.getChildren().setAll(vm.tiles().stream().map(tileNodes::get).toList());
        markSelected();
    }

    private void markSelected() {
        GalleryTile selected = vm.selectedProperty().get();
        tileNodes.forEach((tile, node) -> {
            node.getStyleClass().removeAll("selected");
            if (tile == selected) {
                node.getStyleClass().add("selected");
            }
        });
    }

    private Node tileNode(GalleryTile tile) {
        ImageView view = new ImageView();
        view.setFitWidth(THUMB);
        view.setFitHeight(THUMB);
        view.setSmooth(false);
        view.imageProperty().bind(tile.imageProperty());
        StackPane picture = new StackPane(placeholderBox(THUMB), view, veil(tile, THUMB), badge(tile));
        StackPane.setAlignment(picture.getChildren().get(3), Pos.TOP_LEFT);
        Label caption = new Label();
        caption.textProperty().bind(Bindings.createStringBinding(() -> tile.item().request().prompt(), tile.itemProperty()));
        caption.setMaxWidth(THUMB);
        caption.getStyleClass().add("gallery-caption");
        VBox box = new VBox(4, picture, caption);
        box.getStyleClass().add("gallery-tile");
        box.setId("tile-" + tile.item().id());
        box.setOnMouseClicked(e -> {
            if (e.getButton() == MouseButton.PRIMARY) {
                vm.selectedProperty().set(tile);
            }
        });
        Tooltip.install(box, tooltip(tile));
        box.setOnContextMenuRequested(e -> {
            vm.selectedProperty().set(tile);
            actionsMenu(tile).show(box, e.getScreenX(), e.getScreenY());
        });
        return box;
    }

    private static Region placeholderBox(double size) {
        Region r = new Region();
        r.setPrefSize(size, size);
        r.setMaxSize(size, size);
        r.getStyleClass().add("gallery-blank");
        return r;
    }

    /** Covers the code rows of the shown frame that are not sampled yet. */
    private static Rectangle veil(GalleryTile tile, double size) {
        Rectangle veil = new Rectangle(size, 0);
        veil.getStyleClass().add("gallery-veil");
        veil.heightProperty().bind(Bindings.createDoubleBinding(() -> size * (16 - tile.rowsProperty().get()) / 16.0,
                tile.rowsProperty()));
        veil.visibleProperty().bind(tile.rowsProperty().lessThan(16));
        StackPane.setAlignment(veil, Pos.BOTTOM_CENTER);
        return veil;
    }

    private static Label badge(GalleryTile tile) {
        Label badge = new Label();
        badge.getStyleClass().add("gallery-badge");
        badge.textProperty().bind(Bindings.createStringBinding(() -> badgeText(tile.item()), tile.itemProperty(),
                tile.frameProperty()));
        badge.visibleProperty().bind(badge.textProperty().isNotEmpty());
        StackPane.setMargin(badge, new Insets(4));
        return badge;
    }

    static String badgeText(GalleryItem item) {
        String kind = item.isVideo() ? "▶ " + item.request().frames() + " frames" : "";
        String state = switch (item.status()) {
            case DONE -> "";
            case RUNNING -> "generating";
            case STOPPED -> "stopped";
            case INTERRUPTED -> "interrupted";
            case FAILED -> "failed";
        };
        return kind.isEmpty() || state.isEmpty() ? kind + state : kind + " · " + state;
    }

    private static Tooltip tooltip(GalleryTile tile) {
        Tooltip tip = new Tooltip();
        tip.textProperty().bind(Bindings.createStringBinding(() -> settingsText(tile.item()), tile.itemProperty()));
        return tip;
    }

    static String settingsText(GalleryItem item) {
        ImagineRequest r = item.request();
        String text = r.prompt() + "\nseed " + r.seed() + " · " + params("image", r.image())
                + (r.frames() > 1 ? "\n" + r.frames() + " frames · " + params("video", r.video()) : "")
                + "\nmodel " + item.model() + " · " + GalleryViewModel.describe(item);
        return text;
    }

    private static String params(String modality, ModalityParams p) {
        return modality + ": " + modality(p);
    }

    private ContextMenu actionsMenu(GalleryTile tile) {
        MenuItem remix = new MenuItem("Remix (new seed)");
        remix.setOnAction(e -> vm.remix(tile));
        MenuItem rerun = new MenuItem("Re-run (same seed)");
        rerun.setOnAction(e -> vm.rerun(tile));
        MenuItem use = new MenuItem("Use these settings");
        use.setOnAction(e -> vm.useSettings(tile));
        MenuItem export = new MenuItem("Export…");
        export.setOnAction(e -> export(tile));
        MenuItem delete = new MenuItem("Delete…");
        delete.setOnAction(e -> confirmDelete(tile));
        return new ContextMenu(remix, rerun, use, export, delete);
    }

    // ------------------------------------------------------------------ detail

    private ScrollPane detail() {
        large.setFitWidth(LARGE);
        large.setFitHeight(LARGE);
        large.setSmooth(false);
        large.setId("gallery-large");
        Rectangle veil = new Rectangle(LARGE, 0);
        veil.getStyleClass().add("gallery-veil");
        StackPane.setAlignment(veil, Pos.BOTTOM_CENTER);
        StackPane picture = new StackPane(placeholderBox(LARGE), large, veil);
        picture.setMaxSize(LARGE, LARGE);

        Button play = new Button(null, new FontIcon(MaterialDesignP.PLAY));
        play.setId("gallery-play");
        play.setTooltip(new Tooltip("Play the clip at 4 frames per second"));
        frameSlider.setId("gallery-frame");
        frameSlider.setMin(0);
        frameSlider.setMajorTickUnit(1);
        frameSlider.setMinorTickCount(0);
        frameSlider.setSnapToTicks(true);
        HBox.setHgrow(frameSlider, Priority.ALWAYS);
        Label frameLabel = new Label();
        frameLabel.setId("gallery-frame-label");
        HBox playerBar = new HBox(8, play, frameSlider, frameLabel);
        playerBar.setId("gallery-player");
        playerBar.setAlignment(Pos.CENTER_LEFT);
        playerBar.setMaxWidth(LARGE);

        player.getKeyFrames().add(new KeyFrame(Duration.millis(1000 / GalleryFiles.FPS), e -> {
            int n = vm.selectedFrames().size();
            if (n > 0) {
                frameSlider.setValue(((int) frameSlider.getValue() + 1) % n);
            }
        }));
        player.setCycleCount(Timeline.INDEFINITE);
        play.setOnAction(e -> {
            if (player.getStatus() == javafx.animation.Animation.Status.RUNNING) {
                player.stop();
            } else {
                player.play();
            }
        });
        player.statusProperty().addListener((o, was, now) -> play.setGraphic(new FontIcon(
                now == javafx.animation.Animation.Status.RUNNING ? MaterialDesignP.PAUSE : MaterialDesignP.PLAY)));

        Label prompt = new Label();
        prompt.setId("gallery-prompt");
        prompt.setWrapText(true);
        prompt.setMaxWidth(LARGE);
        prompt.getStyleClass().add("gallery-detail-prompt");
        GridPane settings = new GridPane();
        settings.setId("gallery-settings");
        settings.setHgap(10);
        settings.setVgap(2);

        Button remix = action("Remix", MaterialDesignS.SHUFFLE_VARIANT, "Same settings, new seed", "gallery-remix",
                () -> vm.remix(vm.selectedProperty().get()));
        Button rerun = action("Re-run", MaterialDesignR.REPLAY, "Same settings and seed", "gallery-rerun",
                () -> vm.rerun(vm.selectedProperty().get()));
        Button use = action("Use settings", MaterialDesignT.TUNE, "Copy the prompt and parameters to the form",
                "gallery-use", () -> vm.useSettings(vm.selectedProperty().get()));
        Button export = action("Export…", MaterialDesignE.EXPORT, "Save a copy of the file", "gallery-export",
                () -> export(vm.selectedProperty().get()));
        Button delete = action("Delete", MaterialDesignD.DELETE_OUTLINE, "Delete the item and its file", "gallery-delete",
                () -> confirmDelete(vm.selectedProperty().get()));
        delete.getStyleClass().add("danger");
        FlowPane actions = new FlowPane(6, 6, remix, rerun, use, export, delete);
        actions.setMaxWidth(LARGE);
        for (Button b : new Button[] {remix, rerun}) {
            b.disableProperty().bind(vm.selectedProperty().isNull().or(vm.busyProperty()));
        }
        for (Button b : new Button[] {use, export}) {
            b.disableProperty().bind(vm.selectedProperty().isNull());
        }
        delete.disableProperty().bind(Bindings.createBooleanBinding(() -> vm.selectedProperty().get() == null
                || vm.selectedProperty().get().item().status() == GalleryItem.Status.RUNNING, vm.selectedProperty(),
                vm.busyProperty()));

        Label none = new Label("Select an item to see it large");
        none.getStyleClass().add("placeholder");
        VBox box = new VBox(10, picture, playerBar, actions, prompt, settings);
        box.setPadding(new Insets(12));
        box.setId("gallery-detail");
        StackPane.setAlignment(none, Pos.CENTER);

        Runnable refresh = () -> showSelected(veil, playerBar, prompt, settings, frameLabel);
        javafx.beans.InvalidationListener onTileChange = x -> refresh.run();
        vm.selectedProperty().addListener((o, was, now) -> {
            player.stop();
            frameSlider.setValue(0);
            for (GalleryTile t : new GalleryTile[] {was, now}) {
                if (t != null) {
                    t.imageProperty().removeListener(onTileChange);
                    t.rowsProperty().removeListener(onTileChange);
                    t.itemProperty().removeListener(onTileChange);
                }
            }
            if (now != null) {
                now.imageProperty().addListener(onTileChange);
                now.rowsProperty().addListener(onTileChange);
                now.itemProperty().addListener(onTileChange);
            }
            refresh.run();
        });
        vm.selectedFrames().addListener((ListChangeListener<Image>) c -> refresh.run());
        frameSlider.valueProperty().addListener((o, a, b) -> refresh.run());
        box.visibleProperty().bind(vm.selectedProperty().isNotNull());
        ScrollPane scroll = new ScrollPane(new StackPane(none, box));
        scroll.setFitToWidth(true);
        return scroll;
    }

    private void showSelected(Rectangle veil, HBox playerBar, Label prompt, GridPane settings, Label frameLabel) {
        GalleryTile tile = vm.selectedProperty().get();
        if (tile == null) {
            large.setImage(null);
            return;
        }
        GalleryItem item = tile.item();
        prompt.setText(item.request().prompt());
        showSettings(settings, item);
        boolean live = item.status() == GalleryItem.Status.RUNNING;
        int n = vm.selectedFrames().size();
        if (live || n == 0) {
            large.setImage(tile.imageProperty().get());
            veil.setHeight(LARGE * (16 - tile.rowsProperty().get()) / 16.0);
            veil.setVisible(live && tile.rowsProperty().get() < 16);
            playerBar.setVisible(false);
            return;
        }
        veil.setVisible(false);
        frameSlider.setDisable(false);
        frameSlider.setMax(Math.max(0, n - 1));
        int index = Math.min(n - 1, (int) Math.round(frameSlider.getValue()));
        large.setImage(vm.selectedFrames().get(index));
        playerBar.setVisible(n > 1);
        frameLabel.setText("frame " + (index + 1) + " of " + n);
    }

    /** The item's record under LWM's parameter names. */
    private static void showSettings(GridPane grid, GalleryItem item) {
        ImagineRequest r = item.request();
        grid.getChildren().clear();
        int row = 0;
        row = setting(grid, row, "seed", Long.toString(r.seed()));
        row = setting(grid, row, "n_frames", Integer.toString(r.frames()));
        row = setting(grid, row, r.frames() > 1 ? "first frame" : "image", modality(r.image()));
        if (r.frames() > 1) {
            row = setting(grid, row, "later frames", modality(r.video()));
        }
        row = setting(grid, row, "model", item.model() + " (local)");
        row = setting(grid, row, "status", GalleryViewModel.describe(item));
        if (item.file() != null) {
            setting(grid, row, "file", item.file().getFileName().toString());
        }
    }

    private static int setting(GridPane grid, int row, String name, String value) {
        Label key = new Label(name);
        key.getStyleClass().add("placeholder");
        Label v = new Label(value);
        v.setWrapText(true);
        v.setMaxWidth(LARGE - 110);
        grid.addRow(row, key, v);
        return row + 1;
    }

    private static String modality(ModalityParams p) {
        return String.format(Locale.ROOT, "cfg %s · temperature %s · top-k %d", trim(p.cfgScale()), trim(p.temperature()),
                p.topK());
    }

    private static String trim(float v) {
        return v == Math.rint(v) ? Integer.toString((int) v) : String.format(Locale.ROOT, "%.3g", v);
    }

    private static Button action(String text, org.kordamp.ikonli.Ikon icon, String tip, String id, Runnable run) {
        Button b = new Button(text, new FontIcon(icon));
        b.setId(id);
        b.setTooltip(new Tooltip(tip));
        b.setOnAction(e -> run.run());
        return b;
    }

    private void export(GalleryTile tile) {
        if (tile == null || tile.item().file() == null) {
            vm.errorProperty().set("This item has no file to export");
            return;
        }
        FileChooser chooser = new FileChooser();
        chooser.setTitle("Export");
        String name = tile.item().file().getFileName().toString();
        chooser.setInitialFileName(name);
        String extension = name.substring(name.lastIndexOf('.'));
        chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter(extension.substring(1).toUpperCase(Locale.ROOT),
                "*" + extension));
        File target = chooser.showSaveDialog(root.getScene().getWindow());
        if (target != null) {
            vm.export(tile, target.toPath());
        }
    }

    private void confirmDelete(GalleryTile tile) {
        if (tile == null) {
            return;
        }
        Alert confirm = new Alert(Alert.AlertType.CONFIRMATION, "Delete “" + tile.item().request().prompt()
                + "” and its file? This cannot be undone.", ButtonType.CANCEL, ButtonType.OK);
        confirm.initOwner(root.getScene().getWindow());
        confirm.setHeaderText("Delete this item?");
        confirm.showAndWait().filter(b -> b == ButtonType.OK).ifPresent(b -> vm.delete(tile));
    }
}
